"""Genre: opinion, reporting or satire (SemEval-2023 Task 3 subtask 1).

Features (whole article only): ``opinion_prob``, ``reporting_prob``, ``satire_prob``: one-vs-rest probabilities
(0–1, not normalised to sum to 1) of a TF-IDF word n-gram logistic regression trained on the SemEval-2023 English
genre labels (334 articles, mostly opinion: treat reporting and satire scores with caution; ``python -m toolkit
validate genre`` gives per-genre precision and recall). A text without words gets 0. Evidence: the word n-grams that pushed a probability up.

References: Piskorski et al. (2023), SemEval-2023 Task 3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.features._batch import EVIDENCE_COLUMNS, Batch

NAME = "genre"
DEFAULT = True
SCOPES = ("all",)
GENRES = ("opinion", "reporting", "satire")
FEATURES = {f"{g}_prob": f"classifier probability (0-1) that the article is {g}" for g in GENRES}


def _models():
    from toolkit.detectors.predict import _cached_model

    return _cached_model("genre")


def available() -> str | None:
    from toolkit.paths import cache_dir

    if any((cache_dir() / "models").glob("genre-*")):
        return None
    try:
        from toolkit import corpora

        corpora.load_corpus("semeval2023-task3-en", columns=["id"])
    except Exception as exc:
        return f"the genre model needs the corpus semeval2023-task3-en ({exc})"
    return None


def prepare() -> None:
    from toolkit.features import _ngrams

    _models()
    _ngrams.warm_up()


def compute(batch: Batch, scope: str) -> dict:
    from toolkit.features._ngrams import model_proba

    model, _ = _models()
    # Every token of the article (boilerplate too: the model was trained on whole texts).
    proba = (model_proba(model, batch, None, lambda: batch.texts) if len(batch)
             else np.zeros((0, len(model.labels))))
    has_words = np.diff(batch.doc_ptr) > 0
    return {f"{g}_prob": np.where(has_words, proba[:, j], 0.0) for j, g in enumerate(model.labels)}


def explain(batch: Batch, doc: int, feature: str, scope: str) -> pd.DataFrame:
    from toolkit.detectors.predict import _locate
    from toolkit.features.frames import cue_rows

    model, _ = _models()
    label = feature[: -len("_prob")]
    if label not in model.labels:
        raise ToolkitError(f"unknown genre feature {feature!r}")
    seg = batch.segmentations[doc]
    words = model.explain(seg.text, k=10)[label]
    records = [{"weight": w, "spans": _locate(seg.text, phrase)} for phrase, w in words]
    return pd.DataFrame(cue_rows(seg, records, label), columns=EVIDENCE_COLUMNS)
