"""Who speaks: how much of an article is quotation, embedded social media or the outlet's own words.

Features (``voices.<feature>``, whole article only):

- ``quoted_word_share``: words inside direct quotations / words of the article (boilerplate excluded), 0–1;
- ``social_word_share``: words of embedded social-media posts / words of the article, 0–1;
- ``authorial_word_share``: the outlet's own words / words of the article, 0–1;
- ``quotations_per_1k``: direct quotations per 1,000 words;
- ``attributed_quotation_share``: share of quotations whose speaker the segmenter found (0–1; 0 without
  quotations).

Voices come from ``toolkit.segment`` (quotation marks and attribution patterns; see its docstring).

References:
    Pouliquen, B., Steinberger, R. & Best, C. (2007). Automatic detection of quotations in multilingual news.
    RANLP.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.features._batch import EVIDENCE_COLUMNS, Batch
from toolkit.features._evidence import token_evidence
from toolkit.segment import VOICE_CODE

NAME = "voices"
DEFAULT = True
SCOPES = ("all",)

FEATURES = {
    "quoted_word_share": "words in direct quotations / words (0-1)",
    "social_word_share": "words of embedded social-media posts / words (0-1)",
    "authorial_word_share": "the outlet's own words / words (0-1)",
    "quotations_per_1k": "direct quotations per 1,000 words",
    "attributed_quotation_share": "quotations with an identified speaker / quotations (0-1)",
}


def _quotations(batch: Batch):
    n = np.asarray([lay.n_quotations for lay in batch.layouts], dtype=np.float64)
    attributed = np.asarray([lay.n_attributed for lay in batch.layouts], dtype=np.float64)
    return n, attributed


def compute(batch: Batch, scope: str) -> dict[str, np.ndarray]:
    n_words = batch.n_words("all")

    def share(voice):
        k = np.bincount(batch.token_doc[batch.token_voice == VOICE_CODE[voice]], minlength=batch.n_docs)
        return np.divide(k, n_words, out=np.zeros(batch.n_docs), where=n_words > 0)

    n_quotes, attributed = _quotations(batch)
    return {
        "quoted_word_share": share("quoted"),
        "social_word_share": share("social"),
        "authorial_word_share": share("authorial"),
        "quotations_per_1k": batch.per_1k(n_quotes, "all"),
        "attributed_quotation_share": np.divide(attributed, n_quotes, out=np.zeros(batch.n_docs), where=n_quotes > 0),
    }


def explain(batch: Batch, doc: int, feature: str, scope: str):
    if feature in ("quotations_per_1k", "attributed_quotation_share"):
        seg = batch.segmentations[doc]
        rows = []
        for v in seg.voices:
            if v.voice != "quoted" or (feature == "attributed_quotation_share" and v.speaker is None):
                continue
            s_idx = max(0, int(np.searchsorted([s.start for s in seg.sentences], v.start, side="right")) - 1)
            rows.append({"term": seg.text[v.start : v.end], "category": v.speaker or "", "weight": 1.0,
                         "start": v.start, "end": v.end, "sentence": s_idx, "voice": "quoted", "negated": False,
                         "sentence_text": seg.span_text(seg.sentences[s_idx]) if seg.sentences else "",
                         "speaker": v.speaker, "attribution": v.attribution})
        return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS + ["speaker", "attribution"])
    voice = feature.split("_", 1)[0]
    return token_evidence(batch, doc, batch.token_voice == VOICE_CODE[voice], feature, "all")
