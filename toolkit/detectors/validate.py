"""Validation of the detectors: cross-validation on the shared data, or train-on-shared / test-on-gold.

Cross-validation (no gold): 5 folds, seeded, grouped by article id (paragraphs of one article stay in one fold);
every detector is refitted inside each training fold, thresholds included, and scored on the pooled out-of-fold
predictions. With a gold set: all detectors are trained on the shared data minus any article that is also in the gold
set, and scored on the gold units. Scores: micro- and macro-F1 with 95% percentile intervals from a bootstrap over
articles, per-label precision, recall, F1 and support (see ``toolkit.detectors.metrics``).
"""

from __future__ import annotations

import time

import numpy as np

from toolkit.detectors import metrics
from toolkit.detectors.data import TaskData, load_gold, load_shared
from toolkit.detectors.models import (MODEL_VERSION, RANDOM_STATE, CueDetector, PrevalenceBaseline, fit_main,
                                      fit_tfidf_logreg, seed_cues)
from toolkit.errors import ToolkitError

DETECTORS = ("model", "prevalence", "tfidf_logreg", "cues")


def _fit_predict(train: TaskData, test: TaskData, detectors=DETECTORS) -> dict[str, np.ndarray]:
    out = {}
    if "model" in detectors:
        out["model"] = fit_main(train).predict(test.texts, groups=test.groups)
    if "prevalence" in detectors:
        out["prevalence"] = PrevalenceBaseline().fit(train.Y, single_label=train.task == "genre").predict(len(test.ids))
    if "tfidf_logreg" in detectors:
        out["tfidf_logreg"] = fit_tfidf_logreg(train).predict(test.texts)
    seeds = seed_cues(train.task)
    if "cues" in detectors and seeds:
        out["cues"] = CueDetector(seeds).fit(train.texts, train.Y, train.groups).predict(test.texts)
    return out


def fold_indices(groups: np.ndarray, n_splits: int = 5, random_state: int = RANDOM_STATE) -> list[tuple]:
    """Train/test index pairs of ``n_splits`` folds grouped by ``groups``, with a seeded shuffle of the groups."""
    from sklearn.model_selection import GroupKFold

    groups = np.asarray(groups)
    uniq = np.unique(groups)
    if len(uniq) < n_splits:
        raise ToolkitError(f"cross-validation needs at least {n_splits} articles, got {len(uniq)}")
    rng = np.random.RandomState(random_state)
    relabel = dict(zip(uniq, rng.permutation(len(uniq))))
    # GroupKFold balances fold sizes deterministically given the (shuffled) group labels
    return list(GroupKFold(n_splits).split(groups, groups=[relabel[g] for g in groups]))


def validate(task: str, gold=None, n_splits: int = 5, random_state: int = RANDOM_STATE, n_boot: int = 1000,
             detectors=DETECTORS, data: TaskData | None = None) -> dict:
    """Scores of the ``task`` detectors, cross-validated (``gold`` None) or on a gold folder/archive.

    Returns ``{"task", "mode", "n_articles", "n_units", "micro_f1", "macro_f1", "detectors": {name: scores}, ...}``
    where the top-level ``micro_f1`` / ``macro_f1`` are the main model's.
    """
    t0 = time.perf_counter()
    test = load_gold(task, gold) if gold is not None else None  # a bad gold path fails before any training
    train = load_shared(task) if data is None else data
    result = {"task": task, "model_version": MODEL_VERSION, "random_state": random_state, "labels": list(train.labels)}
    if gold is None:
        folds = fold_indices(train.groups, n_splits, random_state)
        preds = {}
        for tr, te in folds:
            fold_pred = _fit_predict(train.subset(tr), train.subset(te), detectors)
            for name, P in fold_pred.items():
                preds.setdefault(name, np.zeros(train.Y.shape, dtype=np.int8))[te] = P
        test = train
        result.update({"mode": "cross-validation", "n_splits": n_splits, "grouped_by": "article"})
    else:
        overlap = set(test.groups) & set(train.groups)
        keep = np.flatnonzero(~np.isin(train.groups, list(overlap)))
        if len(keep) == 0:
            raise ToolkitError(f"--gold '{gold}': every training article is also in the gold set; nothing left to train on")
        preds = _fit_predict(train.subset(keep), test, detectors)
        result.update({"mode": "gold", "gold": str(gold), "n_train_articles": int(len(np.unique(train.groups[keep]))),
                       "n_train_articles_excluded_as_in_gold": len(overlap)})
    result["n_articles"] = int(len(np.unique(test.groups)))
    result["n_units"] = len(test.ids)
    result["unit"] = "paragraph" if task == "techniques" else "article"
    result["detectors"] = {
        name: metrics.evaluate(test.Y, P, list(test.labels), groups=test.groups, n_boot=n_boot,
                               random_state=random_state)
        for name, P in preds.items()
    }
    main = result["detectors"].get("model") or next(iter(result["detectors"].values()))
    result["micro_f1"] = main["micro_f1"]
    result["macro_f1"] = main["macro_f1"]
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result
