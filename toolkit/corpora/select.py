"""One way to say "these articles": a corpus plus filters, as a string or a :class:`Selection`.

Spec grammar: ``corpus:NAME[?field=value&...]`` where fields are

- any metadata column of the corpus (``outlet``, ``bias``, ``label``, ``topic`` …): ``a,b`` matches either
  value, case-insensitively;
- ``from`` / ``to``: an ISO date window on ``date`` (inclusive; undated articles drop out);
- ``q``: a case-insensitive regular expression searched in title + text;
- ``min_words`` / ``max_words``: whitespace-separated word count of the text;
- ``limit``: keep the first N matches (in corpus order).

Example: ``corpus:allsides-abp?bias=left&q=soleimani|suleimani&from=2020-01-01&to=2020-07-31&min_words=200``.
A path to a file or folder of the user's own articles is also a spec (read with ``toolkit.articles``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote

import pandas as pd

from toolkit.errors import ToolkitError

PREFIX = "corpus:"
SPECIAL = ("from", "to", "q", "min_words", "max_words", "limit")


@dataclass
class Selection:
    """A corpus plus filters; ``str(selection)`` is the equivalent spec string."""

    corpus: str
    filters: dict = field(default_factory=dict)
    date_from: str | None = None
    date_to: str | None = None
    q: str | None = None
    min_words: int | None = None
    max_words: int | None = None
    limit: int | None = None

    def to_spec(self) -> str:
        parts = [f"{k}={','.join(v) if isinstance(v, (list, tuple)) else v}" for k, v in self.filters.items()]
        for key, value in (("from", self.date_from), ("to", self.date_to), ("q", self.q),
                           ("min_words", self.min_words), ("max_words", self.max_words), ("limit", self.limit)):
            if value is not None:
                parts.append(f"{key}={quote(str(value), safe='|,:-^$.*+?()[]{} ')}")
        return PREFIX + self.corpus + ("?" + "&".join(parts) if parts else "")

    __str__ = to_spec


def _int(key: str, value: str, spec: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ToolkitError(f"selection {spec!r}: {key}={value!r} is not a whole number") from None
    if number < 0:
        raise ToolkitError(f"selection {spec!r}: {key}={value!r} must be zero or more")
    return number


def _date(key: str, value: str, spec: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(pd.to_datetime(value, format="ISO8601"))
    except (ValueError, TypeError):
        raise ToolkitError(f"selection {spec!r}: {key}={value!r} is not a date; expected YYYY-MM-DD") from None


def parse_spec(spec: str) -> Selection:
    """Parse ``corpus:NAME?field=value&...`` into a :class:`Selection` (no data is read)."""
    if not isinstance(spec, str) or not spec.startswith(PREFIX):
        raise ToolkitError(f"selection {spec!r}: expected 'corpus:NAME[?field=value&...]' or a path")
    body = spec[len(PREFIX):]
    name, _, query = body.partition("?")
    if not name:
        raise ToolkitError(f"selection {spec!r}: no corpus name after 'corpus:'")
    sel = Selection(corpus=name)
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if key == "from":
            _date(key, value, spec)
            sel.date_from = value
        elif key == "to":
            _date(key, value, spec)
            sel.date_to = value
        elif key == "q":
            sel.q = value
        elif key in ("min_words", "max_words", "limit"):
            setattr(sel, key, _int(key, value, spec))
        else:
            sel.filters[key] = [v for v in value.split(",") if v != ""]
    if query and not parse_qsl(query, keep_blank_values=True):
        raise ToolkitError(f"selection {spec!r}: cannot read the filters {query!r}; expected field=value&...")
    return sel


def select(spec, **filters) -> pd.DataFrame:
    """The articles a spec names: a ``corpus:`` string, a :class:`Selection`, or a file/folder path.

    Keyword ``filters`` are added to the spec's (e.g. ``select("corpus:basil", outlet="Fox News")``).
    """
    if isinstance(spec, Path) or (isinstance(spec, str) and not spec.startswith(PREFIX)):
        path = Path(spec)
        if not path.exists():
            raise ToolkitError(
                f"selection {str(spec)!r}: no such file or folder; expected 'corpus:NAME?...' or a path to articles"
            )
        try:
            from toolkit.articles import load_articles
        except ImportError:
            raise ToolkitError("reading articles from a path needs toolkit.articles, which is not installed") from None
        df = load_articles(path)
        sel = _extra(Selection(corpus=str(path)), filters)
        return _apply(df, sel, str(spec))
    sel = parse_spec(spec) if isinstance(spec, str) else spec
    if not isinstance(sel, Selection):
        raise ToolkitError(f"selection: expected a 'corpus:' string, a Selection or a path, got {type(spec).__name__}")
    sel = _extra(sel, filters)
    from toolkit.corpora.store import corpus_columns, load_corpus

    columns = corpus_columns(sel.corpus)
    unknown = [k for k in sel.filters if k not in columns]
    if unknown:
        fields = sorted(set(columns) - {"text", "id"}) + list(SPECIAL)
        raise ToolkitError(f"selection {str(sel)!r}: corpus {sel.corpus!r} has no field {unknown[0]!r}; "
                           f"expected one of {', '.join(fields)}")
    return _apply(load_corpus(sel.corpus), sel, str(sel))


def _extra(sel: Selection, filters: dict) -> Selection:
    if not filters:
        return sel
    sel = Selection(**{**sel.__dict__, "filters": dict(sel.filters)})
    for key, value in filters.items():
        if key in ("date_from", "from"):
            sel.date_from = value
        elif key in ("date_to", "to"):
            sel.date_to = value
        elif key in ("q", "min_words", "max_words", "limit"):
            setattr(sel, key, value)
        else:
            sel.filters[key] = list(value) if isinstance(value, (list, tuple, set)) else [value]
    return sel


def _apply(df: pd.DataFrame, sel: Selection, spec: str) -> pd.DataFrame:
    mask = pd.Series(True, index=df.index)
    for key, values in sel.filters.items():
        if key not in df.columns:
            raise ToolkitError(f"selection {spec!r}: no field {key!r}; the articles have {list(df.columns)}")
        wanted = {str(v).lower() for v in values}
        mask &= df[key].astype("string").str.lower().isin(wanted).fillna(False).astype(bool)
    if sel.date_from is not None:
        mask &= df["date"] >= _date("from", sel.date_from, spec)
    if sel.date_to is not None:
        end = _date("to", sel.date_to, spec)
        if len(str(sel.date_to)) <= 10:
            end = end + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
        mask &= df["date"] <= end
    if sel.q:
        try:
            pattern = re.compile(sel.q, re.IGNORECASE)
        except re.error as exc:
            raise ToolkitError(f"selection {spec!r}: q={sel.q!r} is not a valid regular expression: {exc}") from None
        sub = df.loc[mask]
        hay = sub["title"].fillna("") + "\n" + sub["text"]
        hit = hay.str.contains(pattern, regex=True)
        mask.loc[hit.index] = hit.to_numpy()
    if sel.min_words is not None or sel.max_words is not None:
        sub = df.loc[mask]
        n_words = sub["text"].str.count(r"\S+")
        keep = pd.Series(True, index=sub.index)
        if sel.min_words is not None:
            keep &= n_words >= sel.min_words
        if sel.max_words is not None:
            keep &= n_words <= sel.max_words
        mask.loc[:] = False
        mask.loc[keep.index[keep.to_numpy()]] = True
    out = df.loc[mask]
    if sel.limit is not None:
        out = out.head(sel.limit)
    return out.reset_index(drop=True)
