"""Frames, techniques and genre of new texts, with the evidence behind every score.

Every function takes raw text (and optionally its ``toolkit.segment.Segmentation``) and returns plain dicts:
probabilities and decisions of the trained model, cue-lexicon scores per 1,000 words, and evidence (cue words with
their character spans and sentence indices; the word n-grams that pushed the model's score up).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from toolkit.detectors.cues import CueLexicon, load_seed_cues
from toolkit.detectors.models import load_model
from toolkit.errors import ToolkitError
from toolkit.segment import segment as segment_text

SV_FRAMES = ("conflict", "human_interest", "attribution_of_responsibility", "economic_consequences", "morality")


def _check_text(text) -> str:
    if not isinstance(text, str):
        raise ToolkitError(f"text: expected a str, got {type(text).__name__}")
    return text


@lru_cache(maxsize=None)
def _cached_model(task: str):
    return load_model(task)


@lru_cache(maxsize=1)
def _sv_lexicon() -> CueLexicon:
    return CueLexicon.from_seeds(load_seed_cues("frames_cues.yaml")["semetko_valkenburg"])


def _sentence_offsets(seg) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in seg.sentences]


def _locate(text: str, phrase: str) -> list[tuple[int, int]]:
    """Character spans of a word n-gram (as produced by the tokenizer) in ``text``."""
    from toolkit.segment import tokenize_with_offsets

    tokens, starts, ends = tokenize_with_offsets(text)
    words = phrase.split(" ")
    n = len(words)
    return [(int(starts[i]), int(ends[i + n - 1])) for i in range(len(tokens) - n + 1) if tokens[i:i + n] == words]


def generic_frames(text: str, segmentation=None) -> dict:
    """Semetko & Valkenburg's five generic news frames as seed-cue scores per 1,000 words, with matched cues.

    References: Semetko & Valkenburg (2000), Journal of Communication 50(2): 93-109 (cue lists in
    ``toolkit/data/frames_cues.yaml``, written from the questionnaire items).
    """
    text = _check_text(text)
    seg = segmentation or segment_text(text)
    lex = _sv_lexicon()
    scores = lex.score([text])[0]
    evidence = lex.explain(text, _sentence_offsets(seg))
    return {label: {"per_1k": round(float(scores[j]), 3), "cues": evidence[label]} for j, label in enumerate(lex.labels)}


def detect_frames(text: str, segmentation=None, k: int = 8) -> dict:
    """The 14 SemEval-2023 frames of an article.

    Returns ``{frame: {"probability", "threshold", "predicted", "cues_per_1k", "cues_predicted", "cues": [...],
    "words": [(n-gram, contribution)]}}``.
    """
    text = _check_text(text)
    seg = segmentation or segment_text(text)
    model, cues = _cached_model("frames")
    proba = model.predict_proba([text])[0]
    words = model.explain(text, k=k)
    cue_scores = cues.score([text])[0] if cues else np.zeros(len(model.labels))
    cue_evidence = cues.lexicon_.explain(text, _sentence_offsets(seg), k=k) if cues else {}
    out = {}
    for j, label in enumerate(model.labels):
        out[label] = {
            "probability": round(float(proba[j]), 4),
            "threshold": float(model.thresholds_[j]),
            "predicted": bool(proba[j] >= model.thresholds_[j]),
            "cues_per_1k": round(float(cue_scores[j]), 3),
            "cues_predicted": bool(cues is not None and cue_scores[j] >= cues.thresholds_[j]),
            "cues": cue_evidence.get(label, []),
            "words": words[label],
        }
    return out


def detect_genre(text: str) -> dict:
    """Genre probabilities (opinion / reporting / satire; one-vs-rest, not normalised) and the arg-max."""
    text = _check_text(text)
    model, _ = _cached_model("genre")
    proba = model.predict_proba([text])[0]
    return {"genre": model.labels[int(np.argmax(proba))],
            "probabilities": {label: round(float(p), 4) for label, p in zip(model.labels, proba)},
            "words": model.explain(text, k=8)[model.labels[int(np.argmax(proba))]]}


def detect_techniques(text: str, segmentation=None, level: str = "paragraph", k: int = 5) -> list[dict]:
    """Persuasion techniques per paragraph (``level="paragraph"``) or per sentence (``"sentence"``).

    Returns one record per unit: ``{"start", "end", "techniques": {name: {"probability", "spans": [(s, e, why)]}}}``
    listing the techniques predicted by the model or by the cue detector; ``spans`` are ``(start, end, why)``
    character offsets into ``text``: the classifier's strongest words (``"model"``), the terms most often inside
    annotated spans of the technique in training (``"span-lexicon"``, see ``toolkit.detectors.spans``) and the matched
    cues (``"cue"``).
    """
    text = _check_text(text)
    if level not in ("paragraph", "sentence"):
        raise ToolkitError(f"level: expected 'paragraph' or 'sentence', got {level!r}")
    seg = segmentation or segment_text(text)
    units = seg.paragraphs if level == "paragraph" else seg.sentences
    units = [u for u in units if text[u.start:u.end].strip()]
    if not units:
        return []
    model, cues = _cached_model("techniques")
    texts = [text[u.start:u.end] for u in units]
    proba = model.predict_proba(texts)
    cue_pred = cues.predict(texts) if cues else np.zeros(proba.shape, dtype=np.int8)
    out = []
    for i, (u, t) in enumerate(zip(units, texts)):
        hits = np.flatnonzero((proba[i] >= model.thresholds_) | (cue_pred[i] > 0))
        record = {"start": u.start, "end": u.end, "techniques": {}}
        if len(hits):
            words = model.explain(t, k=k)
            span_ev = model.span_evidence(t, k=k) if hasattr(model, "span_evidence") else {}
            cue_ev = cues.lexicon_.explain(t, k=k) if cues else {}
            for j in hits:
                label = model.labels[j]
                spans = []
                for phrase, _ in words[label]:
                    spans += [(u.start + s, u.start + e, "model") for s, e in _locate(t, phrase)[:2]]
                for rec in span_ev.get(label, []):
                    spans += [(u.start + s, u.start + e, "span-lexicon") for s, e in rec["spans"][:2]]
                for rec in cue_ev.get(label, []):
                    spans += [(u.start + s, u.start + e, "cue") for s, e in rec["spans"][:2]]
                record["techniques"][label] = {
                    "probability": round(float(proba[i, j]), 4),
                    "model_predicted": bool(proba[i, j] >= model.thresholds_[j]),
                    "cues_predicted": bool(cue_pred[i, j]),
                    "spans": sorted(set(spans)),
                }
        out.append(record)
    return out
