"""Subjectivity and bias cues: words that Recasens et al. (2013) found to mark biased language, per 1,000 words.

Features (scale: matches per 1,000 words of the scope):

- ``bias_lexicon_per_1k``: Recasens et al. (2013) bias lexicon (654 bias-inducing lemmas from Wikipedia NPOV
  edits; matched as exact word forms);
- ``factives_per_1k``: factive verbs (Hooper 1975: "realize", "reveal" …), which presuppose their complement;
- ``assertives_per_1k``: assertive verbs (Hooper 1975: "claim", "allege" …), which cast doubt or certainty;
- ``implicatives_per_1k``: implicative verbs (Karttunen 1971: "manage", "fail" …);
- ``report_verbs_per_1k``: report verbs (Recasens et al. 2013: "accuse", "admit", "claim" …);
- ``hedges_per_1k``: hedges (Hyland 2005: "apparently", "may", "to some extent" …; phrases included);
- ``mpqa_strong_per_1k``, ``mpqa_weak_per_1k``: MPQA strongly / weakly subjective clues (Wilson et al. 2005;
  ``stemmed1=y`` clues match every word starting with the stem); a word whose clues differ by part of speech
  counts in each class it has;
- ``mpqa_strong_negative_per_1k``, ``mpqa_strong_positive_per_1k``, ``mpqa_weak_negative_per_1k``,
  ``mpqa_weak_positive_per_1k``: the same, by prior polarity;
- ``riloff_strong_per_1k``, ``riloff_weak_per_1k``: strong and weak subjective words (Riloff & Wiebe 2003).

Counts are plain (negation does not change whether a word is a cue). The lists are not redistributed: they are
read from the user's lexicons folder (registry names ``bias_recasens``, ``factives``, ``assertives``,
``implicatives``, ``report_verbs``, ``hedges``, ``mpqa``, ``riloff_strong``, ``riloff_weak``).

References:
    Recasens, M., Danescu-Niculescu-Mizil, C. & Jurafsky, D. (2013). Linguistic Models for Analyzing and Detecting
    Biased Language. ACL.
    Hooper, J. B. (1975). On assertive predicates. Syntax and Semantics 4.
    Karttunen, L. (1971). Implicative verbs. Language 47(2).
    Hyland, K. (2005). Metadiscourse. Continuum.
    Wilson, T., Wiebe, J. & Hoffmann, P. (2005). Recognizing Contextual Polarity in Phrase-Level Sentiment
    Analysis. HLT/EMNLP.
    Riloff, E. & Wiebe, J. (2003). Learning extraction patterns for subjective expressions. EMNLP.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.features._batch import Batch
from toolkit.lexicons import load_lexicon

NAME = "bias"
DEFAULT = True

# feature → (registry name, category or None for the whole lexicon, description)
_LISTS = {
    "bias_lexicon_per_1k": ("bias_recasens", None, "Recasens et al. (2013) bias lexicon words"),
    "factives_per_1k": ("factives", None, "factive verbs (Hooper 1975)"),
    "assertives_per_1k": ("assertives", None, "assertive verbs (Hooper 1975)"),
    "implicatives_per_1k": ("implicatives", None, "implicative verbs (Karttunen 1971)"),
    "report_verbs_per_1k": ("report_verbs", None, "report verbs (Recasens et al. 2013)"),
    "hedges_per_1k": ("hedges", None, "hedges (Hyland 2005)"),
    "mpqa_strong_per_1k": ("mpqa", "strongsubj", "MPQA strongly subjective clues"),
    "mpqa_weak_per_1k": ("mpqa", "weaksubj", "MPQA weakly subjective clues"),
    "mpqa_strong_negative_per_1k": ("mpqa", "strongsubj_negative", "MPQA strong clues of negative prior polarity"),
    "mpqa_strong_positive_per_1k": ("mpqa", "strongsubj_positive", "MPQA strong clues of positive prior polarity"),
    "mpqa_weak_negative_per_1k": ("mpqa", "weaksubj_negative", "MPQA weak clues of negative prior polarity"),
    "mpqa_weak_positive_per_1k": ("mpqa", "weaksubj_positive", "MPQA weak clues of positive prior polarity"),
    "riloff_strong_per_1k": ("riloff_strong", None, "strong subjective words (Riloff & Wiebe 2003)"),
    "riloff_weak_per_1k": ("riloff_weak", None, "weak subjective words (Riloff & Wiebe 2003)"),
}

FEATURES = {feature: f"{desc} per 1,000 words" for feature, (_, _, desc) in _LISTS.items()}


def _lexicon_names() -> list[str]:
    return list(dict.fromkeys(name for name, _, _ in _LISTS.values()))


def available() -> str | None:
    for name in _lexicon_names():
        try:
            load_lexicon(name)
        except ToolkitError as exc:
            return str(exc)
    return None


def lexicon_checksums() -> list[str]:
    return [f"{name}:{load_lexicon(name).sha256}" for name in _lexicon_names()]


def compute(batch: Batch, scope: str) -> dict:
    counts = {name: batch.lexicon_counts(load_lexicon(name), scope) for name in _lexicon_names()}
    out = {}
    for feature, (name, category, _) in _LISTS.items():
        lex = load_lexicon(name)
        c = counts[name]
        if category is None:
            values = c[:, 0]  # a plain list has one category (its file name)
        else:
            values = c[:, lex.category_index(category)] if category in lex.categories else np.zeros(batch.n_docs)
        out[feature] = batch.per_1k(values, scope)
    return out


def explain(batch: Batch, doc: int, feature: str, scope: str) -> pd.DataFrame:
    name, category, _ = _LISTS[feature]
    lex = load_lexicon(name)
    if category is not None and category not in lex.categories:
        return batch.lexicon_evidence(doc, lex, lex.categories[0], scope).iloc[0:0]
    frame = batch.lexicon_evidence(doc, lex, category, scope)
    return frame if category is None else frame[frame["category"] == category].reset_index(drop=True)
