"""Span lexicons of persuasion techniques, and the paragraph detector that stacks one on the paragraph classifier.

SemEval-2023 Task 3 (subtask 3) marks each technique as a character span inside a paragraph. A paragraph
classifier learns only which techniques a paragraph has; the spans also say which words carried them.
``SpanLexicon`` counts, for each word and word pair of the training paragraphs, how many of its occurrences fall
inside a span of each technique, and scores it ``(inside + m * prior) / (occurrences + m)``: the share of its
occurrences inside the technique's spans, smoothed by ``m`` (``smoothing``) pseudo-occurrences toward ``prior``, the
technique's share of all training words. A pair counts as inside when both its words are. Only terms seen inside at
least one span are kept; any other term scores 0. Per text and technique, three features: the highest score of the
text's terms, the mean of the three highest, and their sum. Every score is traceable to the terms that made it
(``SpanLexicon.evidence``).

``SpanStacked`` is the techniques detector: per technique with enough training paragraphs, a logistic regression
(stacking; Wolpert 1992) over four inputs: the paragraph classifier's log-odds for the technique and the
technique's three span-lexicon features. (Giving every technique's combiner the inputs of all techniques scored
about the same on micro-F1 and hurt the rarer techniques.) Its inputs on the training paragraphs are out-of-fold:
the classifier's inner-fold probabilities (``LinearMultiLabel.oof_``) and span lexicons fitted on the other inner
folds (the same folds), so the combiner learns how far each input holds on unseen paragraphs. The thresholds are tuned on cross-validated combiner
probabilities, over the same folds. Techniques with too few positive paragraphs keep the classifier's probability
and threshold.

Storage: the classifier as ``LinearMultiLabel.save`` writes it, plus ``spans.json`` (the lexicon's terms and scores,
the combiner's coefficients and the thresholds): plain JSON, no code runs when a model is loaded.

References:
    Wolpert (1992). Stacked generalization. Neural Networks 5(2): 241-259.
    Da San Martino et al. (2019). Fine-Grained Analysis of Propaganda in News Articles. EMNLP (span annotation).
    Piskorski et al. (2023). SemEval-2023 Task 3. SemEval (paragraph-level techniques, the spans' source here).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import numpy as np

from toolkit.detectors.linear import LinearMultiLabel, _objective, joint_thresholds
from toolkit.errors import ToolkitError
from toolkit.segment import tokenize_with_offsets

SPANS_FILE = "spans.json"
FORMAT = "toolkit-span-stacked/1"
N_SPAN_FEATURES = 3  # max, mean of the top three, sum
N_INPUTS = 1 + N_SPAN_FEATURES  # a combiner reads the classifier's log-odds and the span features


def _terms(text: str):
    """Words and adjacent word pairs of ``text`` with their character spans: ``(terms, starts, ends)``."""
    tokens, starts, ends = tokenize_with_offsets(text)
    pairs = [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
    return (tokens + pairs, np.concatenate([starts, starts[:-1]]).astype(np.int64),
            np.concatenate([ends, ends[1:]]).astype(np.int64))


def _check_spans(spans, n_texts: int, n_labels: int) -> None:
    if len(spans) != n_texts:
        raise ToolkitError(f"spans: expected one list of (label index, start, end) per text ({n_texts}), "
                           f"got {len(spans)}")
    for i, unit in enumerate(spans):
        for span in unit:
            if len(span) != 3 or not 0 <= int(span[0]) < n_labels or int(span[1]) > int(span[2]):
                raise ToolkitError(f"spans[{i}]: expected (label index in 0..{n_labels - 1}, start, end) with "
                                   f"start <= end, got {tuple(span)!r}")


class SpanLexicon:
    """Per label, the smoothed share of each term's training occurrences that fall inside the label's spans.

    Parameters:
        labels: label names; a span's label is an index into them.
        smoothing: pseudo-occurrences ``m`` pulling a rare term's score toward the label's overall share.
    """

    def __init__(self, labels, smoothing: float = 2.0):
        self.labels = list(labels)
        self.smoothing = float(smoothing)

    def fit(self, texts, spans) -> "SpanLexicon":
        """Count on ``texts``; ``spans[i]``: the ``(label index, start, end)`` spans of ``texts[i]`` (offsets into it)."""
        texts = list(texts)
        n_labels = len(self.labels)
        _check_spans(spans, len(texts), n_labels)
        occurrences: Counter = Counter()
        inside = [Counter() for _ in range(n_labels)]
        for text, unit in zip(texts, spans):
            terms, starts, ends = _terms(text)
            occurrences.update(terms)
            if not len(unit) or not terms:
                continue
            n_tok = (len(terms) + 1) // 2
            covered = np.zeros((n_labels, n_tok), dtype=bool)
            for label, s, e in unit:
                covered[int(label)] |= (starts[:n_tok] < int(e)) & (int(s) < ends[:n_tok])
            pair_covered = covered[:, :-1] & covered[:, 1:]
            for j in np.flatnonzero(covered.any(axis=1)):
                inside[j].update(terms[k] for k in np.flatnonzero(covered[j]))
                inside[j].update(terms[n_tok + k] for k in np.flatnonzero(pair_covered[j]))
        total = max(sum(occurrences.values()), 1)
        self.prior_ = np.array([sum(c.values()) / total for c in inside])
        kept = sorted(set().union(*inside)) if inside else []
        self.vocabulary_ = {term: i for i, term in enumerate(kept)}
        counts = np.array([occurrences[t] for t in kept], dtype=np.float64)
        self.scores_ = np.zeros((len(kept), n_labels), dtype=np.float64)
        for j, c in enumerate(inside):
            rows = np.array([self.vocabulary_[t] for t in c], dtype=np.int64)
            hits = np.array(list(c.values()), dtype=np.float64)
            self.scores_[rows, j] = (hits + self.smoothing * self.prior_[j]) / (counts[rows] + self.smoothing)
            # the label's row for a kept term never inside its spans stays 0, like a term that is not kept
        self.scores_ = self.scores_.astype(np.float32).astype(np.float64)  # as ``to_dict`` stores it
        return self

    def term_scores(self, text: str):
        """``(terms, starts, ends, scores)`` of the kept terms of ``text``; ``scores``: terms × labels."""
        terms, starts, ends = _terms(text)
        rows = [(k, self.vocabulary_[t]) for k, t in enumerate(terms) if t in self.vocabulary_]
        if not rows:
            return [], np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, len(self.labels)))
        pos, idx = (np.array(v, dtype=np.int64) for v in zip(*rows))
        return [terms[k] for k in pos], starts[pos], ends[pos], self.scores_[idx]

    def features(self, texts) -> np.ndarray:
        """Texts × labels × 3: the highest term score, the mean of the three highest, and the sum."""
        texts = list(texts)
        out = np.zeros((len(texts), len(self.labels), N_SPAN_FEATURES))
        for i, text in enumerate(texts):
            scores = self.term_scores(text)[3]
            if not len(scores):
                continue
            top = -np.sort(-scores, axis=0)[:3]
            out[i, :, 0] = top[0]
            out[i, :, 1] = top.sum(axis=0) / 3.0
            out[i, :, 2] = scores.sum(axis=0)
        return out

    def evidence(self, text: str, k: int = 5, min_lift: float = 2.0) -> dict[str, list[dict]]:
        """Per label, the ``k`` highest-scoring terms of ``text``: ``{"term", "score", "spans": [(start, end)]}``.

        Only terms scoring at least ``min_lift`` times the label's prior, i.e. found inside its spans at least that
        many times more often than words in general: a function word that sometimes falls inside a span is no
        evidence.
        """
        terms, starts, ends, scores = self.term_scores(text)
        out = {}
        for j, label in enumerate(self.labels):
            found: dict[str, dict] = {}
            floor = max(min_lift * self.prior_[j], 1e-12)
            for q in np.argsort(-scores[:, j], kind="stable") if len(terms) else []:
                if scores[q, j] < floor or (terms[q] not in found and len(found) == k):
                    continue
                rec = found.setdefault(terms[q], {"term": terms[q], "score": round(float(scores[q, j]), 4),
                                                  "spans": []})
                rec["spans"].append((int(starts[q]), int(ends[q])))
            out[label] = list(found.values())
        return out

    def to_dict(self) -> dict:
        terms = sorted(self.vocabulary_, key=self.vocabulary_.get)
        return {"labels": self.labels, "smoothing": self.smoothing, "prior": self.prior_.tolist(), "terms": terms,
                "scores": np.round(self.scores_.astype(np.float32), 6).tolist()}

    @classmethod
    def from_dict(cls, doc: dict) -> "SpanLexicon":
        lex = cls(doc["labels"], doc["smoothing"])
        lex.prior_ = np.asarray(doc["prior"], dtype=np.float64)
        lex.vocabulary_ = {term: i for i, term in enumerate(doc["terms"])}
        lex.scores_ = np.asarray(doc["scores"], dtype=np.float64).reshape(len(doc["terms"]), len(lex.labels))
        return lex


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class SpanStacked:
    """The paragraph classifier and a span lexicon, combined per label by a stacked logistic regression.

    Parameters:
        base: an unfitted ``LinearMultiLabel`` with tuned thresholds (its inner folds make the stacking inputs).
        min_positives: a label is stacked when at least this many training units have it.
        C: inverse regularisation strength of each label's combiner.
        smoothing: see ``SpanLexicon``.
    """

    def __init__(self, base: LinearMultiLabel, min_positives: int = 50, C: float = 1.0, smoothing: float = 2.0):
        self.base = base
        self.min_positives = int(min_positives)
        self.C = float(C)
        self.smoothing = float(smoothing)

    @property
    def labels(self):
        return self.base.labels

    def _inputs(self, proba: np.ndarray, span_features: np.ndarray) -> np.ndarray:
        """The combiners' inputs, units × stacked labels × 4: the label's log-odds from the classifier and its three
        span features (the top-three mean and the sum on a log scale)."""
        S = self.stacked_
        F = span_features[:, S, :]
        return np.stack([_logit(proba[:, S]), F[:, :, 0], np.log1p(F[:, :, 1]), np.log1p(F[:, :, 2])], axis=2)

    def fit(self, texts, Y, spans, groups=None, **base_fit) -> "SpanStacked":
        """Fit on ``texts`` with labels ``Y`` and their ``spans`` (see ``SpanLexicon.fit``); ``groups`` and
        ``base_fit`` (e.g. ``aux``) go to the classifier's ``fit``."""
        from sklearn.linear_model import LogisticRegression

        texts = list(texts)
        Y = np.asarray(Y, dtype=np.int8)
        _check_spans(spans, len(texts), len(self.labels))
        self.base.fit(texts, Y, groups=groups, **base_fit)
        splits = getattr(self.base, "inner_splits_", None)
        if splits is None:
            raise ToolkitError("SpanStacked: the classifier must tune its thresholds on inner folds "
                               "(threshold='tuned', multi-label)")
        n_pos = Y.sum(axis=0)
        self.stacked_ = np.flatnonzero((n_pos >= max(self.min_positives, 1)) & (n_pos < len(Y)))
        span_features = np.zeros((len(texts), len(self.labels), N_SPAN_FEATURES))
        for tr, te in splits:
            lex = SpanLexicon(self.labels, self.smoothing).fit([texts[i] for i in tr], [spans[i] for i in tr])
            span_features[te] = lex.features([texts[i] for i in te])
        Z = self._inputs(self.base.oof_, span_features)
        self.input_mean_ = Z.mean(axis=0)
        scale = Z.std(axis=0)
        self.input_scale_ = np.where(scale > 0, scale, 1.0)
        Z = (Z - self.input_mean_) / self.input_scale_

        def combiner(rows, q):
            y = Y[rows, self.stacked_[q]]
            if y.min() == y.max():
                return None
            return LogisticRegression(C=self.C, max_iter=2000).fit(Z[rows, q], y)

        # thresholds from cross-validated combiner probabilities (the other labels keep the classifier's)
        oof = self.base.oof_.copy()
        for tr, te in splits:
            for q, j in enumerate(self.stacked_):
                m = combiner(tr, q)
                if m is not None:
                    oof[te, j] = m.predict_proba(Z[te, q])[:, 1]
        self.thresholds_ = joint_thresholds(oof, Y, mix=self.base.threshold_mix)
        self.objective_ = {"classifier": _objective(self.base.oof_, Y, self.base.thresholds_, self.base.threshold_mix),
                           "stacked": _objective(oof, Y, self.thresholds_, self.base.threshold_mix)}
        self.coef_ = np.zeros((len(self.stacked_), Z.shape[2]))
        self.intercept_ = np.zeros(len(self.stacked_))
        for q, j in enumerate(self.stacked_):
            m = combiner(np.arange(len(texts)), q)
            self.coef_[q], self.intercept_[q] = m.coef_[0], m.intercept_[0]
        self.lexicon_ = SpanLexicon(self.labels, self.smoothing).fit(texts, spans)
        return self

    # -- inference --------------------------------------------------------------------------------------------
    def predict_proba(self, texts, extra=None, groups=None) -> np.ndarray:
        texts = list(texts)
        proba = self.base.predict_proba(texts, extra, groups)
        if not len(texts) or not len(self.stacked_):
            return proba
        Z = (self._inputs(proba, self.lexicon_.features(texts)) - self.input_mean_) / self.input_scale_
        proba[:, self.stacked_] = 1.0 / (1.0 + np.exp(-(np.einsum("nqi,qi->nq", Z, self.coef_) + self.intercept_)))
        return proba

    def predict(self, texts, extra=None, proba=None, groups=None) -> np.ndarray:
        p = self.predict_proba(texts, extra, groups) if proba is None else proba
        return (p >= self.thresholds_).astype(np.int8)

    def explain(self, text: str, k: int = 8, extra=None) -> dict[str, list[tuple[str, float]]]:
        """The classifier's strongest word n-grams per label (see ``LinearMultiLabel.explain``)."""
        return self.base.explain(text, k=k, extra=extra)

    def span_evidence(self, text: str, k: int = 5) -> dict[str, list[dict]]:
        """Per label, the terms of ``text`` most often inside the label's spans in training (``SpanLexicon``)."""
        return self.lexicon_.evidence(text, k=k)

    def top_features(self, k: int = 15):
        return self.base.top_features(k)

    # -- storage ----------------------------------------------------------------------------------------------
    def save(self, folder: str | os.PathLike, metadata: dict | None = None) -> Path:
        """The classifier's files (``LinearMultiLabel.save``) plus ``spans.json``, written aside then renamed."""
        folder = self.base.save(folder, metadata=metadata)
        doc = {"format": FORMAT, "min_positives": self.min_positives, "C": self.C, "smoothing": self.smoothing,
               "stacked": self.stacked_.tolist(), "coef": self.coef_.tolist(), "intercept": self.intercept_.tolist(),
               "input_mean": self.input_mean_.tolist(), "input_scale": self.input_scale_.tolist(),
               "thresholds": self.thresholds_.tolist(), "objective": getattr(self, "objective_", {}),
               "lexicon": self.lexicon_.to_dict()}
        tmp = folder / f".{SPANS_FILE}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False)
        os.replace(tmp, folder / SPANS_FILE)
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike) -> "SpanStacked":
        folder = Path(folder)
        path = folder / SPANS_FILE
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        if doc.get("format") != FORMAT:
            raise ToolkitError(f"{path}: format {doc.get('format')!r}, expected {FORMAT!r}")
        model = cls(LinearMultiLabel.load(folder), doc["min_positives"], doc["C"], doc["smoothing"])
        model.stacked_ = np.asarray(doc["stacked"], dtype=np.int64)
        model.coef_ = np.asarray(doc["coef"], dtype=np.float64).reshape(len(model.stacked_), N_INPUTS)
        model.intercept_ = np.asarray(doc["intercept"], dtype=np.float64)
        model.input_mean_ = np.asarray(doc["input_mean"], dtype=np.float64).reshape(len(model.stacked_), N_INPUTS)
        model.input_scale_ = np.asarray(doc["input_scale"], dtype=np.float64).reshape(len(model.stacked_), N_INPUTS)
        model.thresholds_ = np.asarray(doc["thresholds"], dtype=np.float64)
        model.objective_ = doc.get("objective", {})
        model.lexicon_ = SpanLexicon.from_dict(doc["lexicon"])
        return model

    @property
    def metadata_(self):
        return getattr(self.base, "metadata_", {})


def load_detector(folder: str | os.PathLike):
    """The model in ``folder``: a ``SpanStacked`` when it has ``spans.json``, else a ``LinearMultiLabel``."""
    folder = Path(folder)
    return SpanStacked.load(folder) if (folder / SPANS_FILE).is_file() else LinearMultiLabel.load(folder)
