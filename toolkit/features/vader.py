"""VADER sentiment, scored per sentence and aggregated (not in the default set: about 0.5–0.8 ms per article).

Features (``vader.<feature>``, for the whole article and ``@authorial`` / ``@quoted``; a scope reads the
sentences of that voice):

- ``mean_compound``: mean VADER compound score of the sentences (−1 to 1);
- ``negative_sentence_share``: share of sentences with compound ≤ −0.05 (0–1);
- ``positive_sentence_share``: share of sentences with compound ≥ 0.05 (0–1);
- ``neutral_sentence_share``: the rest (0–1).

Why sentences: VADER's compound score normalises the sum of word valences by ``x / sqrt(x² + 15)``, which
saturates near ±1 on a whole news article (vaderSentiment issue #151), so whole-article scores say little. The
thresholds ±0.05 are the ones the VADER authors recommend.

``sentence_sentiment(text)`` returns the per-sentence table (for the sentiment-arc plot); ``explain`` returns
the same rows with the score in ``weight``.

Scores: the sentences of a batch are scored together by ``toolkit.features._vader_fast``, a re-implementation of
vaderSentiment 3.3.2's ``polarity_scores`` that gives the same neg, neu, pos and compound (checked against it on
150,444 AllSides and Tehran Times sentences: none differs) about 8 to 12 times faster: 0.5 ms per AllSides article
when its words were seen before, 0.8 ms when none were, against 6.1 ms for ``polarity_scores`` one sentence at a
time (``benchmarks/bench_vader.py``, 1,000 articles, one process).

Lexicon: the VADER lexicon shipped in the ``vaderSentiment`` wheel (MIT licence); nothing is downloaded.

References:
    Hutto, C. J. & Gilbert, E. (2014). VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media
    Text. ICWSM.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.features._batch import Batch
from toolkit.features._evidence import sentence_evidence
from toolkit.features._vader_fast import polarity_scores_many, tables

NAME = "vader"
DEFAULT = False

NEGATIVE_THRESHOLD = -0.05
POSITIVE_THRESHOLD = 0.05

FEATURES = {
    "mean_compound": "mean VADER compound score of the sentences (-1 to 1)",
    "negative_sentence_share": "share of sentences with compound <= -0.05 (0-1)",
    "positive_sentence_share": "share of sentences with compound >= 0.05 (0-1)",
    "neutral_sentence_share": "share of sentences between the two thresholds (0-1)",
}


@lru_cache(maxsize=1)
def analyzer():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        raise ToolkitError("the vader family needs the package 'vaderSentiment' (pip install vaderSentiment)") from None
    return SentimentIntensityAnalyzer()


def available() -> str | None:
    try:
        analyzer()
    except ToolkitError as exc:
        return str(exc)
    return None


def prepare() -> None:
    analyzer()
    tables()


def _scores(batch: Batch) -> np.ndarray:
    """Per sentence of the batch: neg, neu, pos, compound (cached on the batch)."""
    cached = batch.__dict__.get("_vader_scores")
    if cached is not None:
        return cached
    analyzer()  # a clear error when vaderSentiment is missing
    out = np.zeros((int(batch.sentence_ptr[-1]), 4))
    has_words = (batch.sentence_lengths("all") > 0).tolist()
    sentences = []
    k = 0
    for lay in batch.layouts:
        text = lay.text
        for start, end in zip(lay.sentence_start.tolist(), lay.sentence_end.tolist()):
            if has_words[k]:
                sentences.append(text[start:end])
            k += 1
    if sentences:
        out[np.flatnonzero(has_words)] = polarity_scores_many(sentences)
    batch.__dict__["_vader_scores"] = out
    return out


def compute(batch: Batch, scope: str) -> dict[str, np.ndarray]:
    scores = _scores(batch)
    compound = scores[:, 3]
    keep = batch.sentence_mask(scope) & (batch.sentence_lengths(scope) > 0)
    n = batch.doc_sum(keep.astype(np.float64))
    neg = batch.doc_sum((keep & (compound <= NEGATIVE_THRESHOLD)).astype(np.float64))
    pos = batch.doc_sum((keep & (compound >= POSITIVE_THRESHOLD)).astype(np.float64))

    def share(x):
        return np.divide(x, n, out=np.zeros_like(x), where=n > 0)

    return {
        "mean_compound": share(batch.doc_sum(np.where(keep, compound, 0.0))),
        "negative_sentence_share": share(neg),
        "positive_sentence_share": share(pos),
        "neutral_sentence_share": np.where(n > 0, share(n - neg - pos), 0.0),
    }


def explain(batch: Batch, doc: int, feature: str, scope: str):
    scores = _scores(batch)
    compound = scores[:, 3]
    keep = None
    if feature == "negative_sentence_share":
        keep = compound <= NEGATIVE_THRESHOLD
    elif feature == "positive_sentence_share":
        keep = compound >= POSITIVE_THRESHOLD
    elif feature == "neutral_sentence_share":
        keep = (compound > NEGATIVE_THRESHOLD) & (compound < POSITIVE_THRESHOLD)
    extra = {"neg": scores[:, 0], "neu": scores[:, 1], "pos": scores[:, 2]}
    return sentence_evidence(batch, doc, keep, feature, scope, weights=compound, extra=extra)


def sentence_sentiment(text: str) -> pd.DataFrame:
    """VADER scores of every sentence of one article, in order: sentence, start, end, voice, speaker, text,
    neg, neu, pos, compound (sentences without words are left out)."""
    if not isinstance(text, str):
        raise ToolkitError(f"sentence_sentiment() expects the article text as a str, got {type(text).__name__}")
    batch = Batch([text])
    scores = _scores(batch)
    frame = batch.sentence_frame(0)
    for j, name in enumerate(("neg", "neu", "pos", "compound")):
        frame[name] = scores[:, j]
    frame = frame[batch.sentence_lengths("all") > 0]
    return frame.reset_index(drop=True)
