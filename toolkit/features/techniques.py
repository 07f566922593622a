"""Persuasion techniques (SemEval-2023 Task 3 subtask 3 taxonomy) per article, from paragraph-level detectors.

Features (whole article only), for each technique (``loaded_language``, ``name_calling_labeling``, ``doubt``, …):

- ``<technique>_share``: share (0–1) of the article's paragraphs in which the supervised paragraph detector
  detects the technique: TF-IDF word n-grams and logistic regression, combined with a span lexicon (the words
  annotators marked inside the technique's spans) by a stacked regression, per-technique tuned thresholds; trained
  on the SemEval-2023 English paragraph labels and spans (``toolkit.detectors.spans``).
- ``<technique>_per_1k``: transparent cue-lexicon score per 1,000 words: seed cues written for the toolkit
  (``toolkit/data/techniques_cues.yaml``) expanded and weighted from the labelled paragraphs by weighted log-odds.

Plus ``any_share``: share of paragraphs with at least one technique detected. Evidence: in each paragraph where a
technique is detected, the classifier's strongest words (weight: their contribution to the log-odds) and the terms
most often inside the technique's spans in training (weight: that share, 0-1); for ``_per_1k``, the matched cues;
all with character offsets. ``python -m toolkit validate techniques`` reports paragraph-level
precision and recall; ``toolkit.detectors.detect_techniques`` gives per-paragraph and per-sentence detail.

References: Da San Martino et al. (2019), EMNLP; Piskorski et al. (2023), SemEval-2023 Task 3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.features._batch import EVIDENCE_COLUMNS, Batch

NAME = "techniques"
DEFAULT = False  # a classifier pass per paragraph: ask for it by name
SCOPES = ("all",)

from toolkit.corpora.adapters.semeval2023 import TECHNIQUES  # noqa: E402


def _slug(label: str) -> str:
    return label.lower().replace("-", "_")


def FEATURES() -> dict:
    out = {"any_share": "share of paragraphs with at least one persuasion technique detected (0-1)"}
    for t in TECHNIQUES:
        name = t.replace("_", " ").replace("-", "/")
        out[f"{_slug(t)}_share"] = f"share of paragraphs where the classifier detects {name} (0-1)"
        out[f"{_slug(t)}_per_1k"] = f"cue-lexicon score of {name} per 1,000 words"
    return out


def _models():
    from toolkit.detectors.predict import _cached_model

    return _cached_model("techniques")


def available() -> str | None:
    from toolkit.paths import cache_dir

    if any((cache_dir() / "models").glob("techniques-*")):
        return None
    try:
        from toolkit import corpora

        corpora.load_table("semeval2023-task3-en", "paragraphs")
    except Exception as exc:
        return f"the technique model needs the corpus semeval2023-task3-en ({exc})"
    return None


def prepare() -> None:
    _models()


def _paragraphs(seg) -> list[tuple[int, int]]:
    spans = [(p.start, p.end) for p in seg.paragraphs if seg.text[p.start:p.end].strip()]
    return spans or ([(0, len(seg.text))] if seg.text.strip() else [])


def compute(batch: Batch, scope: str) -> dict:
    model, cues = _models()
    n = len(batch.segmentations)
    units, owner = [], []
    for i, seg in enumerate(batch.segmentations):
        if seg.n_tokens == 0:  # no words, no technique
            continue
        for s, e in _paragraphs(seg):
            units.append(seg.text[s:e])
            owner.append(i)
    owner = np.asarray(owner, dtype=np.int64)
    L = len(model.labels)
    pred = model.predict(units) if units else np.zeros((0, L), dtype=np.int8)
    n_par = np.bincount(owner, minlength=n).astype(float) if units else np.zeros(n)
    hits = np.zeros((n, L))
    if units:
        np.add.at(hits, owner, pred.astype(float))
    share = np.divide(hits, n_par[:, None], out=np.zeros_like(hits), where=n_par[:, None] > 0)
    anyhit = np.zeros(n)
    if units:
        np.add.at(anyhit, owner, (pred.sum(axis=1) > 0).astype(float))
    texts = [seg.text for seg in batch.segmentations]
    scores = cues.score(texts) if texts else np.zeros((0, L))
    out = {"any_share": np.divide(anyhit, n_par, out=np.zeros(n), where=n_par > 0)}
    for j, label in enumerate(model.labels):
        out[f"{_slug(label)}_share"] = share[:, j]
        out[f"{_slug(label)}_per_1k"] = scores[:, j]
    return out


def explain(batch: Batch, doc: int, feature: str, scope: str) -> pd.DataFrame:
    from toolkit.detectors.predict import _locate
    from toolkit.features.frames import cue_rows

    seg = batch.segmentations[doc]
    model, cues = _models()
    by_slug = {_slug(t): t for t in model.labels}
    if feature == "any_share":
        labels = list(model.labels)
    else:
        base = feature.rsplit("_", 2)[0] if feature.endswith("_per_1k") else feature[: -len("_share")]
        if base not in by_slug:
            raise ToolkitError(f"unknown techniques feature {feature!r}")
        labels = [by_slug[base]]
    if feature.endswith("_per_1k"):
        records = cues.lexicon_.explain(seg.text, k=50)[labels[0]]
        return pd.DataFrame(cue_rows(seg, records, labels[0]), columns=EVIDENCE_COLUMNS)
    rows = []
    for s, e in _paragraphs(seg):
        text = seg.text[s:e]
        pred = model.predict([text])[0]
        words = model.explain(text, k=5)
        span_ev = model.span_evidence(text, k=5) if hasattr(model, "span_evidence") else {}
        for label in labels:
            j = model.labels.index(label)
            if not pred[j]:
                continue
            records = [{"weight": w, "spans": [(s + a, s + b) for a, b in _locate(text, phrase)]}
                       for phrase, w in words[label]]
            records += [{"weight": rec["score"], "spans": [(s + a, s + b) for a, b in rec["spans"]]}
                        for rec in span_ev.get(label, [])]
            rows += cue_rows(seg, records, label)
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
