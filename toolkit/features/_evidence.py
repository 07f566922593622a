"""Evidence tables shared by the families: matched tokens and whole sentences, in ``EVIDENCE_COLUMNS`` form."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from toolkit.features._batch import EVIDENCE_COLUMNS, Batch, evidence_frame


def token_evidence(batch: Batch, doc: int, hit: np.ndarray, category: str, scope: str,
                   weights: np.ndarray | None = None, sentence_scoped: bool = False) -> pd.DataFrame:
    """Rows for the tokens of one article where ``hit`` (a flat per-token boolean array) is true.

    ``sentence_scoped`` selects the scope by sentence voice (readability, sentence counts) rather than token voice.
    """
    lo, hi = int(batch.doc_ptr[doc]), int(batch.doc_ptr[doc + 1])
    mask = batch.sentence_token_mask(scope) if sentence_scoped else batch.mask(scope)
    sel = np.flatnonzero(hit[lo:hi] & mask[lo:hi])
    rows = [(int(p), 1, {0: float(weights[lo + p]) if weights is not None else 1.0}) for p in sel]
    return evidence_frame(batch, doc, rows, SimpleNamespace(categories=[category]))


def sentence_evidence(batch: Batch, doc: int, keep: np.ndarray | None, category: str, scope: str,
                      weights: np.ndarray | None = None, extra: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Rows for whole sentences of one article (``keep``: flat per-sentence boolean array, None = all in scope).

    ``term`` holds the sentence's final punctuation; ``weight`` the per-sentence value; ``extra`` adds columns
    (per-sentence arrays over the batch, such as words and syllables).
    """
    seg = batch.segmentations[doc]
    s_lo, s_hi = int(batch.sentence_ptr[doc]), int(batch.sentence_ptr[doc + 1])
    in_scope = batch.sentence_mask(scope)[s_lo:s_hi] & (batch.sentence_lengths(scope)[s_lo:s_hi] > 0)
    if keep is not None:
        in_scope &= keep[s_lo:s_hi]
    terminal = batch.sentence_terminal
    rows = []
    for i in np.flatnonzero(in_scope):
        s = seg.sentences[i]
        row = {
            "term": str(terminal[s_lo + i]),
            "category": category,
            "weight": float(weights[s_lo + i]) if weights is not None else 1.0,
            "start": s.start,
            "end": s.end,
            "sentence": int(i),
            "voice": s.voice,
            "negated": False,
            "sentence_text": seg.span_text(s),
        }
        for name, values in (extra or {}).items():
            row[name] = values[s_lo + i]
        rows.append(row)
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS + list(extra or {}))


def empty_evidence() -> pd.DataFrame:
    return pd.DataFrame(columns=EVIDENCE_COLUMNS)


__all__ = ["token_evidence", "sentence_evidence", "empty_evidence"]
