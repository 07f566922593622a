"""Frames: the 14 SemEval-2023 / Media Frames generic frames and Semetko & Valkenburg's five news frames.

Features (whole article only):

- ``<frame>_per_1k`` for each of the 14 frames (``economic_per_1k``, ``security_and_defense_per_1k``, …): the
  transparent cue-lexicon score, i.e. the summed weights (0–1) of the frame's cue words found, per 1,000 words.
  Cues are seed words written for the toolkit (``toolkit/data/frames_cues.yaml``), expanded and weighted from the
  SemEval-2023 Task 3 training labels by weighted log-odds (Field et al. 2018; Monroe et al. 2008), see
  ``toolkit.detectors.cues``.
- ``<frame>_prob``: probability (0–1) from the supervised multi-label classifier (TF-IDF words, logistic regression
  over Naive Bayes-scaled columns) trained on the SemEval-2023 English frame labels; ``toolkit.detectors.models``. Whether a frame is
  "present" is ``prob ≥`` the frame's tuned threshold (``python -m toolkit validate frames`` reports how far these
  decisions can be trusted). A text without words gets 0.
- ``sv_<frame>_per_1k`` for Semetko & Valkenburg's (2000) conflict, human interest, attribution of responsibility,
  economic consequences and morality frames: seed-cue words per 1,000 words (cue lists written from the
  questionnaire items; not validated against annotations).

The model is trained once from the installed corpus ``semeval2023-task3-en`` and cached (``python -m toolkit train
frames``). Evidence: the matched cue words with their sentences; for ``_prob``, the word n-grams that pushed the
probability up.

References: Piskorski et al. (2023), SemEval-2023 Task 3; Boydstun et al. (2014), Media Frames codebook;
Semetko & Valkenburg (2000), Journal of Communication 50(2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.features._batch import EVIDENCE_COLUMNS, Batch

NAME = "frames"
DEFAULT = True
SCOPES = ("all",)

from toolkit.corpora.adapters.semeval2023 import FRAMES  # noqa: E402

SV = ("conflict", "human_interest", "attribution_of_responsibility", "economic_consequences", "morality")


def _slug(label: str) -> str:
    return label.lower()


def FEATURES() -> dict:
    out = {}
    for f in FRAMES:
        out[f"{_slug(f)}_per_1k"] = f"cue-lexicon score of the {f.replace('_', ' ')} frame per 1,000 words"
        out[f"{_slug(f)}_prob"] = f"classifier probability (0-1) of the {f.replace('_', ' ')} frame"
    for f in SV:
        out[f"sv_{f}_per_1k"] = f"Semetko & Valkenburg {f.replace('_', ' ')} frame cue words per 1,000 words"
    return out


def _models():
    from toolkit.detectors.predict import _cached_model

    return _cached_model("frames")


def available() -> str | None:
    from toolkit.paths import cache_dir

    if any((cache_dir() / "models").glob("frames-*")):
        return None
    try:
        from toolkit import corpora

        corpora.load_corpus("semeval2023-task3-en", columns=["id"])
    except Exception as exc:  # not installed: no model can be trained
        return f"the frame model needs the corpus semeval2023-task3-en ({exc})"
    return None


def prepare() -> None:
    from toolkit.features import _ngrams

    _models()
    _ngrams.warm_up()


def _texts(batch: Batch, scope: str = "all") -> list[str]:
    """The words of each article in a scope: every voice but boilerplate (``all``), or one voice's spans."""
    keep = (lambda v: v != "boilerplate") if scope == "all" else (lambda v: v == scope)
    return ["\n".join(seg.text[v.start : v.end] for v in seg.voices if keep(v.voice)) for seg in batch.segmentations]


def compute(batch: Batch, scope: str) -> dict:
    from toolkit.detectors.predict import _sv_lexicon
    from toolkit.features._ngrams import cue_scores, model_proba

    model, cues = _models()
    mask = batch.mask(scope)
    n = len(batch)
    out = {}
    # Counted from the batch's tokens: the same words and bigrams as the detectors read in ``_texts``.
    proba = model_proba(model, batch, mask, lambda: _texts(batch, scope)) if n else np.zeros((0, len(model.labels)))
    scores = cue_scores(cues.lexicon_, batch, mask) if n else np.zeros((0, len(model.labels)))
    has_words = batch.n_words(scope) > 0
    for j, label in enumerate(model.labels):
        out[f"{_slug(label)}_per_1k"] = scores[:, j]
        out[f"{_slug(label)}_prob"] = np.where(has_words, proba[:, j], 0.0)  # no words, no frame
    sv = _sv_lexicon()
    sv_scores = cue_scores(sv, batch, mask) if n else np.zeros((0, len(sv.labels)))
    for j, label in enumerate(sv.labels):
        out[f"sv_{label}_per_1k"] = sv_scores[:, j]
    return out


def cue_rows(seg, records: list[dict], category: str) -> list[dict]:
    """Evidence rows (``EVIDENCE_COLUMNS``) from ``CueLexicon.explain`` records."""
    rows = []
    starts = np.asarray([s.start for s in seg.sentences])
    for rec in records:
        for s, e in rec["spans"]:
            i = int(np.searchsorted(starts, s, side="right") - 1) if len(starts) else -1
            sentence = seg.sentences[i] if i >= 0 else None
            rows.append({"term": seg.text[s:e], "category": category, "weight": rec["weight"], "start": s, "end": e,
                         "sentence": i, "voice": sentence.voice if sentence else "authorial", "negated": False,
                         "sentence_text": seg.span_text(sentence) if sentence else ""})
    return rows


def explain(batch: Batch, doc: int, feature: str, scope: str) -> pd.DataFrame:
    from toolkit.detectors.predict import _locate, _sv_lexicon

    seg = batch.segmentations[doc]
    model, cues = _models()
    if feature.startswith("sv_"):
        label = feature[3:-len("_per_1k")]
        records = _sv_lexicon().explain(seg.text, k=50)[label]
        return pd.DataFrame(cue_rows(seg, records, label), columns=EVIDENCE_COLUMNS)
    by_slug = {_slug(f): f for f in model.labels}
    base = feature.rsplit("_", 2)[0] if feature.endswith("_per_1k") else feature[: -len("_prob")]
    if base not in by_slug:
        raise ToolkitError(f"unknown frames feature {feature!r}")
    label = by_slug[base]
    if feature.endswith("_per_1k"):
        records = cues.lexicon_.explain(seg.text, k=50)[label]
        return pd.DataFrame(cue_rows(seg, records, label), columns=EVIDENCE_COLUMNS)
    words = model.explain(seg.text, k=10)[label]
    records = [{"weight": w, "spans": _locate(seg.text, phrase)} for phrase, w in words]
    return pd.DataFrame(cue_rows(seg, records, label), columns=EVIDENCE_COLUMNS)
