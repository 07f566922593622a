"""Moral foundations: MFD 2.0 virtue and vice words per foundation, and eMFD foundation scores.

Features (foundations: care, fairness, loyalty, authority, sanctity):

- ``mfd2_<foundation>_virtue_per_1k``, ``mfd2_<foundation>_vice_per_1k``: words of the Moral Foundations
  Dictionary 2.0 category per 1,000 words of the scope (MFD 2.0 has exact word forms and 110 phrases);
- ``mfd2_virtue_per_1k``, ``mfd2_vice_per_1k``: all virtue (vice) words per 1,000 words;
- ``emfd_<foundation>_p``: mean eMFD probability of the foundation over the words of the scope found in the eMFD
  (0 to 1), and ``emfd_<foundation>_sent``: mean eMFD sentiment of the foundation over the same words (−1 to 1);
  this is the bag-of-words scoring of Hopp et al. (2021) (``emfdscore``'s ``bow`` mode);
- ``emfd_matched_per_1k``: words found in the eMFD per 1,000 words.

With ``configure(mfd="mfd1")`` (or env ``TOOLKIT_MFD=mfd1``) the ``mfd2_*`` features are computed from the
original MFD 1.0 instead (prefix entries such as ``harm*``; its ``moral`` category is left out), under the names
``mfd1_*``. Matches are plain counts (negation is not applied, as in the dictionaries' own scoring).

The dictionaries are not redistributed: they are read from the user's lexicons folder (registry names ``mfd2``,
``mfd1``, ``emfd``; ``python -m toolkit corpora fetch lexicons`` or env ``TOOLKIT_LEXICONS``).

References:
    Frimer, J. A., Boghrati, R., Haidt, J., Graham, J. & Dehghani, M. (2019). Moral Foundations Dictionary for
    Linguistic Analyses 2.0. https://osf.io/ezn37/ (licence: see the lexicon registry).
    Graham, J., Haidt, J. & Nosek, B. A. (2009). Liberals and conservatives rely on different sets of moral
    foundations. Journal of Personality and Social Psychology 96(5), 1029-1046 (MFD 1.0).
    Hopp, F. R., Fisher, J. T., Cornell, D., Huskey, R. & Weber, R. (2021). The extended Moral Foundations
    Dictionary (eMFD). Behavior Research Methods 53, 232-246.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.features._batch import Batch
from toolkit.lexicons import load_lexicon

NAME = "moral"
DEFAULT = True
FOUNDATIONS = ("care", "fairness", "loyalty", "authority", "sanctity")
POLES = ("virtue", "vice")

_mfd: str | None = None


def configure(mfd: str | None = None) -> None:
    """Which Moral Foundations Dictionary to count: ``"mfd2"`` (default) or ``"mfd1"``; ``None``: env ``TOOLKIT_MFD``."""
    global _mfd
    if mfd is not None and mfd not in ("mfd1", "mfd2"):
        raise ToolkitError(f"configure(mfd=...): expected 'mfd1' or 'mfd2', got {mfd!r}")
    _mfd = mfd


def mfd_name() -> str:
    name = _mfd or os.environ.get("TOOLKIT_MFD") or "mfd2"
    if name not in ("mfd1", "mfd2"):
        raise ToolkitError(f"TOOLKIT_MFD: expected 'mfd1' or 'mfd2', got {name!r}")
    return name


def _lexicons():
    return load_lexicon(mfd_name()), load_lexicon("emfd")


def available() -> str | None:
    try:
        _lexicons()
    except ToolkitError as exc:
        return str(exc)
    return None


def lexicon_checksums() -> list[str]:
    return [f"{lex.name}:{lex.sha256}" for lex in _lexicons()]


def FEATURES() -> dict:
    mfd = mfd_name()
    out = {}
    for f in FOUNDATIONS:
        for pole in POLES:
            out[f"{mfd}_{f}_{pole}_per_1k"] = f"{mfd.upper()} {f}.{pole} words per 1,000 words"
    for pole in POLES:
        out[f"{mfd}_{pole}_per_1k"] = f"{mfd.upper()} {pole} words (all foundations) per 1,000 words"
    for f in FOUNDATIONS:
        out[f"emfd_{f}_p"] = f"mean eMFD {f} probability over the words found in the eMFD (0-1)"
        out[f"emfd_{f}_sent"] = f"mean eMFD {f} sentiment over the words found in the eMFD (-1 to 1)"
    out["emfd_matched_per_1k"] = "words found in the eMFD per 1,000 words"
    return out


def _emfd_matched(batch: Batch, emfd, scope: str) -> np.ndarray:
    """Tokens of the scope that have an eMFD entry, per article."""
    matrix = emfd.matrix(batch.vocab)
    held = batch.__dict__.get("_emfd_indicator")
    if held is None or held[0] is not matrix:  # one vocabulary-long column per batch, not per scope
        held = batch.__dict__["_emfd_indicator"] = (matrix, (abs(matrix).sum(axis=1) > 0).astype(np.float64))
    return np.asarray(batch.counts(scope) @ held[1]).ravel()


def compute(batch: Batch, scope: str) -> dict:
    mfd_lex, emfd = _lexicons()
    mfd = mfd_name()
    counts = batch.lexicon_counts(mfd_lex, scope)
    out = {}
    for pole in POLES:
        total = np.zeros(batch.n_docs)
        for f in FOUNDATIONS:
            c = counts[:, mfd_lex.category_index(f"{f}.{pole}")]
            out[f"{mfd}_{f}_{pole}_per_1k"] = batch.per_1k(c, scope)
            total += c
        out[f"{mfd}_{pole}_per_1k"] = batch.per_1k(total, scope)
    sums = batch.lexicon_counts(emfd, scope)
    matched = _emfd_matched(batch, emfd, scope)
    for f in FOUNDATIONS:
        for kind in ("p", "sent"):
            s = sums[:, emfd.category_index(f"{f}_{kind}")]
            out[f"emfd_{f}_{kind}"] = np.divide(s, matched, out=np.zeros_like(s), where=matched > 0)
    out["emfd_matched_per_1k"] = batch.per_1k(matched, scope)
    return out


def _only(frame: pd.DataFrame, category: str) -> pd.DataFrame:
    """Evidence rows of one category (a matched word is listed once per category it belongs to)."""
    return frame[frame["category"] == category].reset_index(drop=True)


def explain(batch: Batch, doc: int, feature: str, scope: str) -> pd.DataFrame:
    mfd_lex, emfd = _lexicons()
    mfd = mfd_name()
    if feature.startswith("emfd_"):
        if feature == "emfd_matched_per_1k":
            frame = batch.lexicon_evidence(doc, emfd, None, scope)
            return frame.drop_duplicates(subset=["start", "end"]).assign(category="emfd", weight=1.0)
        return _only(batch.lexicon_evidence(doc, emfd, feature[len("emfd_"):], scope), feature[len("emfd_"):])
    body = feature[len(mfd) + 1 : -len("_per_1k")]
    if "_" in body:
        foundation, pole = body.split("_", 1)
        return _only(batch.lexicon_evidence(doc, mfd_lex, f"{foundation}.{pole}", scope), f"{foundation}.{pole}")
    frame = batch.lexicon_evidence(doc, mfd_lex, None, scope)
    return frame[frame["category"].str.endswith("." + body)].reset_index(drop=True)
