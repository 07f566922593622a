"""Outlet boilerplate: lines an outlet repeats across many of its articles (captions, newsletter prompts, copyright).

On all of AllSides the most "distinctive" left-vs-right terms of a naive comparison are site furniture ("click
here", "©", "toggle caption", "story continued below") rather than framing language, because a few large outlets
repeat the same lines in nearly every article. ``detect_boilerplate`` finds those lines corpus-wide;
``strip_boilerplate`` blanks them (replacing every character but line breaks by a space, so that offsets into the
text stay valid) before keyness or features.

A *line* is a non-empty line of the text. Its normalised form is lower-cased, with runs of white space collapsed
and every digit replaced by ``0`` (so "Copyright © 2019 …" and "Copyright © 2020 …" are one line). A normalised
line is boilerplate for an outlet when it occurs in at least ``min_articles`` distinct articles of that outlet and
in at least ``min_share`` of them. Articles without an outlet are grouped under ``""`` only if
``include_unknown_outlet``.

Reported table: ``outlet``, ``line`` (normalised), ``n_articles`` (distinct articles of the outlet containing it),
``n_outlet_articles``, ``share`` (= n_articles / n_outlet_articles), ``example`` (the first original line seen,
truncated to 200 characters; it is text from the corpus, so the table is for local inspection, not for committing).

References:
    The line-frequency approach follows the "repeated lines" heuristic of boilerplate removal in web corpora, e.g.
    Pomikálek, J. (2011). Removing boilerplate and duplicate content from web corpora. PhD thesis, Masaryk
    University (jusText), and the line-level deduplication of C4 (Raffel et al. 2020, JMLR 21).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError

BOILERPLATE_COLUMNS = ["outlet", "line", "n_articles", "n_outlet_articles", "share", "example"]

_LINE_RE = re.compile(r"[^\r\n]+")
_DIGIT_RE = re.compile(r"\d")


def normalise_line(line: str) -> str:
    """Lower-case, collapse white space, replace digits by 0, strip."""
    return _DIGIT_RE.sub("0", " ".join(line.lower().split()))


def _check_articles(articles, name: str = "articles") -> None:
    if not isinstance(articles, pd.DataFrame):
        raise ToolkitError(f"{name}: expected an article table (DataFrame), got {type(articles).__name__}")
    for col in ("text", "outlet"):
        if col not in articles.columns:
            raise ToolkitError(f"{name}: expected a '{col}' column, got columns {list(articles.columns)}")


def detect_boilerplate(
    articles: pd.DataFrame,
    min_articles: int = 5,
    min_share: float = 0.02,
    by: str = "outlet",
    include_unknown_outlet: bool = False,
) -> pd.DataFrame:
    """Lines each outlet repeats across many of its articles; one row per (outlet, normalised line).

    Parameters:
        articles: an article table with ``text`` and the grouping column ``by`` (default ``outlet``).
        min_articles: a line must occur in at least this many distinct articles of the outlet.
        min_share: ... and in at least this share of the outlet's articles.
        by: the column that names the outlet (AllSides: ``outlet`` holds AllSides' source label).
    """
    if not isinstance(articles, pd.DataFrame):
        raise ToolkitError(f"articles: expected an article table (DataFrame), got {type(articles).__name__}")
    for col in ("text", by):
        if col not in articles.columns:
            raise ToolkitError(f"articles: expected a '{col}' column, got columns {list(articles.columns)}")
    if not isinstance(min_articles, (int, np.integer)) or min_articles < 2:
        raise ToolkitError(f"min_articles: expected an integer >= 2 (a line in one article is not repeated), got {min_articles!r}")
    if not (0 <= float(min_share) <= 1):
        raise ToolkitError(f"min_share: expected a share between 0 and 1, got {min_share!r}")
    outlets = articles[by].astype(object).where(articles[by].notna(), "")
    rows_outlet: list[str] = []
    rows_line: list[str] = []
    examples: dict[tuple[str, str], str] = {}
    for outlet, text in zip(outlets.tolist(), articles["text"].tolist()):
        if (outlet == "" and not include_unknown_outlet) or not isinstance(text, str):
            continue
        seen = set()
        for m in _LINE_RE.finditer(text):
            norm = normalise_line(m.group())
            if not norm or norm in seen:
                continue
            seen.add(norm)
            rows_outlet.append(outlet)
            rows_line.append(norm)
            examples.setdefault((outlet, norm), m.group().strip()[:200])
    n_outlet = outlets[(outlets != "") | include_unknown_outlet].value_counts()
    if not rows_line:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in BOILERPLATE_COLUMNS})
    counts = (pd.DataFrame({"outlet": rows_outlet, "line": rows_line})
              .value_counts(["outlet", "line"]).rename("n_articles").reset_index())
    counts = counts[counts["n_articles"] >= min_articles]
    counts["n_outlet_articles"] = counts["outlet"].map(n_outlet).astype(int)
    counts["share"] = counts["n_articles"] / counts["n_outlet_articles"]
    counts = counts[counts["share"] >= min_share]
    counts["example"] = [examples[(o, l)] for o, l in zip(counts["outlet"], counts["line"])]
    counts = counts.sort_values(["n_articles", "outlet", "line"], ascending=[False, True, True], kind="mergesort")
    return counts[BOILERPLATE_COLUMNS].reset_index(drop=True)


def strip_boilerplate(articles: pd.DataFrame, table: pd.DataFrame, by: str = "outlet") -> pd.Series:
    """Texts with every boilerplate line of the article's outlet blanked by spaces (offsets and line breaks kept).

    Returns a Series of texts aligned with ``articles.index``; ``articles`` is not modified.
    """
    if not isinstance(articles, pd.DataFrame) or "text" not in articles.columns or by not in articles.columns:
        got = list(articles.columns) if isinstance(articles, pd.DataFrame) else type(articles).__name__
        raise ToolkitError(f"articles: expected an article table with 'text' and '{by}' columns, got {got}")
    if not isinstance(table, pd.DataFrame) or not {"outlet", "line"} <= set(table.columns):
        got = list(table.columns) if isinstance(table, pd.DataFrame) else type(table).__name__
        raise ToolkitError(f"table: expected a boilerplate table with 'outlet' and 'line' columns, got {got}")
    lines_by_outlet: dict[str, set[str]] = {}
    for outlet, line in zip(table["outlet"].tolist(), table["line"].tolist()):
        lines_by_outlet.setdefault(outlet, set()).add(line)
    # A raw line is never shorter than its normalised form minus a few collapsed spaces; skip long lines early.
    max_len = {k: 4 * max(len(x) for x in v) + 64 for k, v in lines_by_outlet.items()}
    out = []
    for outlet, text in zip(articles[by].tolist(), articles["text"].tolist()):
        key = outlet if isinstance(outlet, str) else ""
        lines = lines_by_outlet.get(key)
        if not lines or not isinstance(text, str):
            out.append(text)
            continue
        pieces = []
        last = 0
        for m in _LINE_RE.finditer(text):
            if m.end() - m.start() <= max_len[key] and normalise_line(m.group()) in lines:
                pieces.append(text[last : m.start()])
                pieces.append(" " * (m.end() - m.start()))
                last = m.end()
        pieces.append(text[last:])
        out.append("".join(pieces))
    return pd.Series(out, index=articles.index, name="text", dtype=object)
