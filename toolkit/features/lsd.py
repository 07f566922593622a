"""Sentiment with the Lexicoder Sentiment Dictionary 2015, which users supply themselves.

Features (``lsd.<feature>``, for the whole article and ``@authorial`` / ``@quoted``):

- ``positive_per_1k``: LSD ``positive`` matches per 1,000 words (negated negatives included);
- ``negative_per_1k``: LSD ``negative`` matches per 1,000 words (negated positives included);
- ``tone``: (positive − negative) / (positive + negative), −1 to 1; 0 without matches.

The dictionary's patterns are whole words, prefixes (``abandon*``) and phrases ("a lie"), matched on the toolkit's
tokens. Its negation file (LSD2015_NEG) is missing from the copy we know of, so negation follows the toolkit's
window rule instead (as in ``sentiment``): a match preceded by a negator within three words of the same sentence
counts for the opposite polarity (Young & Soroka 2012 apply the same switch through their negation entries).

Available when the lexicon is installed (registry name ``lsd2015``: ``python -m toolkit corpora fetch lexicons``,
or ``TOOLKIT_LEXICONS`` pointing to a folder with ``lsd2015/LSD2015.lc3``). Licence: non-commercial academic use;
the toolkit does not ship it.

References:
    Young, L. & Soroka, S. (2012). Affective News: The Automated Coding of Sentiment in Political Texts.
    Political Communication 29(2), 205-231.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from toolkit.errors import ToolkitError
from toolkit.features._batch import Batch
from toolkit.features.sentiment import _concat, polarity_counts, polarity_evidence, tone
from toolkit.lexicons import Lexicon, load_lexicon

NAME = "lsd"
DEFAULT = True

FEATURES = {
    "positive_per_1k": "Lexicoder 2015 positive matches per 1,000 words (negated negatives included)",
    "negative_per_1k": "Lexicoder 2015 negative matches per 1,000 words (negated positives included)",
    "tone": "(positive - negative) / (positive + negative), -1 to 1",
}

@lru_cache(maxsize=1)
def lsd_lexicon() -> Lexicon:
    """LSD2015 (the reader names its categories ``positive`` and ``negative``, without the .lc3 colour codes)."""
    lex = load_lexicon("lsd2015")
    if "positive" not in lex.categories or "negative" not in lex.categories:
        raise ToolkitError(
            f"lexicon 'lsd2015' ({lex.path}): expected categories 'positive' and 'negative', found {lex.categories}"
        )
    return lex


def available() -> str | None:
    try:
        lsd_lexicon()
    except ToolkitError as exc:
        return str(exc)
    return None


def prepare() -> None:
    lsd_lexicon()


def lexicon_checksums() -> list[str]:
    return [f"lsd2015:{lsd_lexicon().sha256}"]


def compute(batch: Batch, scope: str) -> dict[str, np.ndarray]:
    pos, neg = polarity_counts(batch, lsd_lexicon(), scope)
    return {
        "positive_per_1k": batch.per_1k(pos, scope),
        "negative_per_1k": batch.per_1k(neg, scope),
        "tone": tone(pos, neg),
    }


def explain(batch: Batch, doc: int, feature: str, scope: str):
    lex = lsd_lexicon()
    if feature == "positive_per_1k":
        return polarity_evidence(batch, doc, lex, "positive", scope)
    if feature == "negative_per_1k":
        return polarity_evidence(batch, doc, lex, "negative", scope)
    return _concat([polarity_evidence(batch, doc, lex, p, scope) for p in ("positive", "negative")])
