"""Bring an adapter's output into the canonical article table (see docs/ARCHITECTURE.md, "The article table")."""

from __future__ import annotations

import pandas as pd

from toolkit.errors import ToolkitError

CORE_COLUMNS = ["id", "text", "title", "outlet", "date", "url", "lang"]


def _optional_str(series: pd.Series) -> pd.Series:
    out = series.astype(object).where(series.notna(), None)
    return out.map(lambda v: None if v is None or (isinstance(v, str) and not v.strip()) else str(v))


def to_article_table(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Order and type the canonical columns, keep metadata columns after them, and validate.

    Uses ``toolkit.articles.validate_articles`` when that module is present; otherwise applies the same rules
    here: unique string ``id``, non-empty ``text``, ``date`` as ``datetime64[ns]``.
    """
    if "id" not in df.columns or "text" not in df.columns:
        raise ToolkitError(f"{source}: the article table needs 'id' and 'text' columns, got {list(df.columns)}")
    df = df.copy()
    for col in ("title", "outlet", "url"):
        df[col] = _optional_str(df[col]) if col in df.columns else None
    df["lang"] = df["lang"].fillna("en").astype(str) if "lang" in df.columns else "en"
    if "date" in df.columns:
        df["date"] = pd.to_datetime(df["date"], errors="coerce").astype("datetime64[ns]")
    else:
        df["date"] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    df["id"] = df["id"].astype(str)
    df["text"] = df["text"].fillna("").astype(str)
    dup = df["id"][df["id"].duplicated()]
    if len(dup):
        raise ToolkitError(f"{source}: article ids must be unique; {dup.iloc[0]!r} appears more than once")
    empty = df["text"].str.strip() == ""
    if empty.any():
        raise ToolkitError(f"{source}: article {df['id'][empty].iloc[0]!r} has empty text; expected non-empty text")
    extra = [c for c in df.columns if c not in CORE_COLUMNS]
    df = df[CORE_COLUMNS + extra].reset_index(drop=True)
    try:
        from toolkit.articles import validate_articles
    except ImportError:
        return df
    checked = validate_articles(df, source)
    return checked if isinstance(checked, pd.DataFrame) else df
