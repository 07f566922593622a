"""The detectors of each task, how they are trained, and where trained models are cached.

Four detectors per task, so that every figure has a yardstick next to it:

- ``model``: the main supervised detector, ``LinearMultiLabel`` over TF-IDF word (1-2) n-grams (character n-grams
  are supported but off: on 2 CPU cores they cost several times the training time), class-balanced logistic
  regression, cross-fitted: one model per inner fold of the training data, per-label thresholds tuned jointly on
  their out-of-fold predictions, and the stored model is the average of the inner models (so the thresholds apply
  to scores of the kind they were tuned on). Frames: thresholds tuned for the mean of micro- and macro-F1; word
  unigrams only, each label's columns scaled by the square root of their Naive Bayes log-count ratios
  (``nb_scale`` 0.5, NBSVM): with 334 training articles, bigrams add more noise than signal, and the scaling lets
  the few words that separate a frame weigh more. Over five seeds of the outer folds this gave micro-F1 0.684 and
  macro-F1 0.541 on average, against 0.673 and 0.534 for bigrams without the scaling; the scaling did not help the
  paragraph techniques.
  Techniques (paragraphs): thresholds tuned for micro-F1, the figure reported for this task; one more input
  column, the standardised ``log(1 + number of tokens)`` of the paragraph (the l2-normalised TF-IDF drops length,
  and a long paragraph is far more likely to use a technique); and the PTC sentences of the training articles as
  extra training units with weight 0.5 (they train the coefficients only; thresholds are tuned on paragraphs, and
  a held-out article's sentences are never used, see ``ptc_units``); the annotated spans of the training paragraphs
  as extra training units too, weight 0.5, each span's text with its techniques (``span_units``; the length column
  reads its paragraph's length); then, for each technique with at least 50 training paragraphs, a stacked logistic
  regression over the classifier's log-odds and the features of a span lexicon (how often each word and word pair
  fell inside the technique's spans), both out-of-fold on the classifier's inner folds
  (``toolkit.detectors.spans.SpanStacked``). The spans are evidence the paragraph labels throw away: loaded language
  and name calling are carried by a few words each.
  Cross-validated (5 folds by article, seed 0): frames micro-F1 0.688, macro-F1 0.550; techniques micro-F1 0.401
  (macro-F1 0.20; without the spans 0.375 and 0.18). Over outer fold seeds 0-4 the spans raised techniques
  micro-F1 on every seed, from 0.373 to 0.401 on average.
- ``tfidf_logreg``: the plain baseline: word (1-2) n-gram TF-IDF, logistic regression (C=1, balanced), threshold 0.5.
- ``cues``: the transparent cue lexicon (``toolkit.detectors.cues``) with per-label cut-offs on its per-1,000-word
  scores tuned jointly for micro- and macro-F1 on inner out-of-fold scores (candidates: score quantiles).
- ``prevalence``: every unit gets each label's training prevalence as its probability; a label is predicted for all
  units when its prevalence reaches the one cut-off that maximises micro-F1 on the training labels (the best
  constant prediction for micro-F1; for genre: always the majority genre).

Trained models live in ``cache_dir()/models/<task>-<data sha256[:12]>-<MODEL_VERSION>-<params hash>/`` as JSON +
``.npz`` (no pickle): a change of data, code version or parameters trains a new model.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from toolkit import __version__
from toolkit.detectors.cues import CueLexicon, load_seed_cues
from toolkit.detectors.data import TaskData, load_shared, load_shared_ptc
from toolkit.detectors.linear import LinearMultiLabel, joint_thresholds, n_words
from toolkit.detectors.spans import SpanStacked, load_detector
from toolkit.errors import ToolkitError
from toolkit.paths import cache_dir

# Bump when training code or defaults change: cached models of another version are not reused.
MODEL_VERSION = f"{__version__}-m6"
RANDOM_STATE = 0

MAIN_PARAMS = {
    "frames": {"C": 1.0, "class_weight": "balanced", "char_ngrams": None, "min_df": 3, "max_features": 60000,
               "word_ngrams": 1, "nb_scale": 0.5, "nb_alpha": 1.0},
    "techniques": {"C": 3.0, "class_weight": "balanced", "char_ngrams": None, "min_df": 2, "max_features": 60000,
                   "threshold_mix": 0.0, "length_weight": 1.0, "ptc_weight": 0.5, "span_weight": 0.5,
                   "span_stack": {"min_positives": 50, "C": 1.0, "smoothing": 2.0}},
    "genre": {"C": 10.0, "class_weight": "balanced", "char_ngrams": None, "min_df": 2, "max_features": 60000,
              "single_label": True},
}


def seed_cues(task: str) -> dict[str, list[str]]:
    """Seed cues per label of ``task`` from the package data (genre has none)."""
    if task == "frames":
        return load_seed_cues("frames_cues.yaml")["media_frames"]
    if task == "techniques":
        return load_seed_cues("techniques_cues.yaml")["techniques"]
    return {}


def ptc_units(data: TaskData, ptc: TaskData | None = None) -> TaskData | None:
    """The PTC sentence units of the articles in ``data`` (None when the PTC corpus is not installed).

    Only sentences of articles that are already training articles: a held-out article (a test fold, a gold set)
    never lends its sentence labels to training. ``ptc``: the PTC units to select from (default: the installed
    corpus).
    """
    ptc = _shared_ptc() if ptc is None else ptc
    if ptc is None:
        return None
    return ptc.subset(np.flatnonzero(np.isin(ptc.groups, np.unique(data.groups))))


def span_units(data: TaskData) -> TaskData | None:
    """The annotated technique spans of ``data``'s units as units of their own: each span's text (spans with the
    same offsets in one unit merged), labelled with its techniques, grouped by article (None without spans)."""
    if "spans" not in data.extra:
        return None
    ids, texts, rows, groups, paragraph_words = [], [], [], [], []
    for uid, text, unit, group, n in zip(data.ids, data.texts, data.extra["spans"], data.groups, n_words(data.texts)):
        merged: dict[tuple, set] = {}
        for label, s, e in unit:
            if e > s:
                merged.setdefault((s, e), set()).add(label)
        for (s, e), labels in sorted(merged.items()):
            ids.append(f"{uid}@{s}-{e}")
            texts.append(text[s:e])
            rows.append(sorted(labels))
            groups.append(group)
            paragraph_words.append(n)
    Y = np.zeros((len(ids), len(data.labels)), dtype=np.int8)
    for i, labels in enumerate(rows):
        Y[i, labels] = 1
    units = TaskData(data.task, data.labels, ids, texts, Y, np.asarray(groups, dtype=data.groups.dtype),
                     f"{data.source} (spans)")
    units.extra["lengths"] = np.asarray(paragraph_words, dtype=np.float64)  # the length column reads the paragraph's
    return units


@lru_cache(maxsize=1)
def _shared_ptc() -> TaskData | None:
    return load_shared_ptc()


def fit_main(data: TaskData, random_state=RANDOM_STATE) -> LinearMultiLabel | SpanStacked:
    params = dict(MAIN_PARAMS[data.task])
    ptc_weight = params.pop("ptc_weight", None)
    span_weight = params.pop("span_weight", None)
    span_stack = params.pop("span_stack", None)
    model = LinearMultiLabel(data.labels, random_state=random_state, **params)
    fit_args = {"groups": data.groups}
    parts = [(ptc_units(data) if ptc_weight else None, ptc_weight),
             (span_units(data) if span_weight else None, span_weight)]
    parts = [(units, w) for units, w in parts if units is not None and len(units.ids)]
    if parts:
        lengths = [units.extra["lengths"] if "lengths" in units.extra else n_words(units.texts) for units, _ in parts]
        fit_args["aux"] = ([t for units, _ in parts for t in units.texts], np.vstack([units.Y for units, _ in parts]),
                           np.concatenate([units.groups for units, _ in parts]), np.concatenate(lengths))
        fit_args["aux_weight"] = np.concatenate([np.full(len(units.ids), float(w)) for units, w in parts])
    if span_stack and "spans" in data.extra:
        return SpanStacked(model, **span_stack).fit(data.texts, data.Y, list(data.extra["spans"]), **fit_args)
    return model.fit(data.texts, data.Y, **fit_args)


def fit_tfidf_logreg(data: TaskData, random_state=RANDOM_STATE) -> LinearMultiLabel:
    model = LinearMultiLabel(data.labels, C=1.0, class_weight="balanced", char_ngrams=None, min_df=2,
                             max_features=60000, threshold=0.5, single_label=data.task == "genre",
                             random_state=random_state)
    return model.fit(data.texts, data.Y)


class CueDetector:
    """A cue lexicon plus per-label thresholds on its per-1,000-word scores."""

    def __init__(self, seeds, inner_folds=4, random_state=RANDOM_STATE):
        self.seeds = seeds
        self.inner_folds = inner_folds
        self.random_state = random_state

    def fit(self, texts, Y, groups=None):
        from sklearn.model_selection import GroupKFold

        texts = list(texts)
        Y = np.asarray(Y)
        self.labels = list(self.seeds)
        groups = np.arange(len(texts)) if groups is None else np.asarray(groups)
        oof = np.zeros(Y.shape)
        rng = np.random.RandomState(self.random_state)
        uniq = np.unique(groups)
        perm = dict(zip(uniq, rng.permutation(len(uniq))))
        for tr, te in GroupKFold(self.inner_folds).split(texts, groups=[perm[g] for g in groups]):
            lex = CueLexicon(self.seeds).fit([texts[i] for i in tr], Y[tr])
            oof[te] = lex.score([texts[i] for i in te])
        self.lexicon_ = CueLexicon(self.seeds).fit(texts, Y)
        # candidate cut-offs: quantiles of each label's out-of-fold scores, the top end finely (rare labels)
        levels = np.unique(np.concatenate([np.linspace(0.0, 0.9, 19), np.linspace(0.9, 0.999, 23)]))
        grid = np.quantile(oof, levels, axis=0).T + 1e-9  # labels × candidates; "score >= cut-off"
        grid = np.concatenate([grid, np.full((Y.shape[1], 1), np.inf)], axis=1)  # "never" is a candidate
        self.thresholds_ = joint_thresholds(oof, Y, mix=0.5, grid=grid)
        return self

    def score(self, texts) -> np.ndarray:
        return self.lexicon_.score(texts)

    def predict(self, texts) -> np.ndarray:
        return (self.score(texts) >= self.thresholds_).astype(np.int8)

    def to_dict(self) -> dict:
        return {"lexicon": json.loads(self.lexicon_.to_json()), "thresholds": self.thresholds_.tolist(),
                "labels": self.labels}

    @classmethod
    def from_dict(cls, doc: dict) -> "CueDetector":
        det = cls({label: [] for label in doc["labels"]})
        det.labels = list(doc["labels"])
        det.lexicon_ = CueLexicon.from_json(doc["lexicon"])
        det.thresholds_ = np.asarray(doc["thresholds"], dtype=float)
        return det


class PrevalenceBaseline:
    """Each label's training prevalence as its probability; predicted for all units above one micro-F1 cut-off."""

    def fit(self, Y, single_label=False):
        Y = np.asarray(Y, dtype=bool)
        self.prevalence_ = Y.mean(axis=0)
        if single_label:
            self.predicted_ = np.zeros(Y.shape[1], bool)
            self.predicted_[np.argmax(self.prevalence_)] = True
            return self
        best = (-1.0, np.zeros(Y.shape[1], bool))
        for cut in np.unique(self.prevalence_):
            on = self.prevalence_ >= cut
            tp = Y[:, on].sum()
            f = 2 * tp / (on.sum() * len(Y) + Y.sum())
            if f > best[0]:
                best = (f, on)
        self.predicted_ = best[1]
        return self

    def predict(self, n: int) -> np.ndarray:
        return np.tile(self.predicted_.astype(np.int8), (n, 1))


# -- cached main models ---------------------------------------------------------------------------------------
def _params_key(task: str) -> str:
    return hashlib.sha256(json.dumps(MAIN_PARAMS[task], sort_keys=True, default=str).encode()).hexdigest()[:8]


def model_dir(task: str, checksum: str) -> Path:
    """``cache_dir()/models/<task>-<data sha256[:12]>-<MODEL_VERSION>-<parameters hash>``."""
    return cache_dir() / "models" / f"{task}-{checksum[:12]}-{MODEL_VERSION}-{_params_key(task)}"


def train(task: str, force: bool = False, data: TaskData | None = None) -> Path:
    """Train the main detector and the cue detector of ``task`` on the shared data; cached by checksum and version.

    Returns the model folder (``model.json``, ``arrays.npz``, ``cues.json``).
    """
    data = load_shared(task) if data is None else data
    checksum = data.checksum()
    if MAIN_PARAMS[task].get("ptc_weight"):
        aux = ptc_units(data)
        checksum = hashlib.sha256((checksum + (aux.checksum() if aux is not None else "")).encode()).hexdigest()
    folder = model_dir(task, checksum)
    if not force and (folder / "model.json").is_file() and (folder / "cues.json").is_file():
        return folder
    model = fit_main(data)
    meta = {"task": task, "data_sha256": checksum, "model_version": MODEL_VERSION, "n_units": len(data.ids),
            "n_articles": int(len(np.unique(data.groups))), "source": data.source, "random_state": RANDOM_STATE,
            "labels": list(data.labels), "n_aux_units": int(getattr(getattr(model, "base", model), "n_aux_", 0))}
    model.save(folder, metadata=meta)
    seeds = seed_cues(task)
    if seeds:
        cues = CueDetector(seeds).fit(data.texts, data.Y, data.groups)
        doc = cues.to_dict()
    else:
        doc = None
    tmp = folder / ".cues.json.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)
    os.replace(tmp, folder / "cues.json")
    return folder


def load_model(task: str, train_if_missing: bool = True) -> tuple[LinearMultiLabel | SpanStacked, CueDetector | None]:
    """The cached main model and cue detector of ``task`` (trained first when missing)."""
    folder = None
    if train_if_missing:
        try:
            folder = train(task)
        except ToolkitError:
            folder = None  # the corpus is not installed: fall back to a cached model of this version
    if folder is None:
        pattern = f"{task}-*-{MODEL_VERSION}-{_params_key(task)}"
        matches = sorted((cache_dir() / "models").glob(pattern), key=lambda p: p.stat().st_mtime)
        if not matches:
            raise ToolkitError(f"no trained {task} model in '{cache_dir() / 'models'}' and the training corpus is not "
                               f"installed; run 'python -m toolkit corpora fetch semeval2023-task3-en' then "
                               f"'python -m toolkit train {task}'")
        folder = matches[-1]
    model = load_detector(folder)
    with open(folder / "cues.json", encoding="utf-8") as fh:
        doc = json.load(fh)
    return model, (CueDetector.from_dict(doc) if doc else None)
