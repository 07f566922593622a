"""Multi-label evaluation: micro/macro F1, per-label precision/recall/F1, bootstrap intervals over articles.

References:
    Sokolova & Lapalme (2009). A systematic analysis of performance measures for classification tasks. Information
    Processing & Management 45(4) (micro and macro averaging).
    Efron & Tibshirani (1993). An Introduction to the Bootstrap, ch. 13 (percentile intervals); units are resampled
    by article (a cluster bootstrap) because paragraphs of one article are not independent.
"""

from __future__ import annotations

import numpy as np


def _f1(tp, fp, fn):
    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def counts(Y: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    Y = np.asarray(Y, dtype=bool)
    P = np.asarray(P, dtype=bool)
    return (Y & P).sum(axis=0), (~Y & P).sum(axis=0), (Y & ~P).sum(axis=0)


def micro_macro(tp, fp, fn, support_mask=None) -> tuple[float, float]:
    """Micro-F1 over all label decisions; macro-F1 = mean per-label F1 over labels in ``support_mask``."""
    micro = float(_f1(tp.sum(), fp.sum(), fn.sum()))
    f1 = _f1(tp, fp, fn)
    mask = np.ones(len(tp), bool) if support_mask is None else support_mask
    macro = float(f1[mask].mean()) if mask.any() else 0.0
    return micro, macro


def evaluate(Y, P, labels, groups=None, n_boot=1000, random_state=0) -> dict:
    """Scores of 0/1 predictions ``P`` against gold ``Y`` (n_units × n_labels).

    Macro-F1 averages the labels that occur in the gold data (support > 0). ``groups`` (article id per unit) are the
    resampling units of the bootstrap; without them each unit is its own group.
    """
    Y = np.asarray(Y, dtype=bool)
    P = np.asarray(P, dtype=bool)
    tp, fp, fn = counts(Y, P)
    support = Y.sum(axis=0)
    mask = support > 0
    micro, macro = micro_macro(tp, fp, fn, mask)
    per_label = {}
    for j, label in enumerate(labels):
        prec = tp[j] / (tp[j] + fp[j]) if tp[j] + fp[j] else 0.0
        rec = tp[j] / (tp[j] + fn[j]) if tp[j] + fn[j] else 0.0
        per_label[label] = {
            "precision": round(float(prec), 4),
            "recall": round(float(rec), 4),
            "f1": round(float(_f1(tp[j], fp[j], fn[j])), 4),
            "support": int(support[j]),
            "n_predicted": int(tp[j] + fp[j]),
        }
    # cluster bootstrap: per-group counts, resample groups
    groups = np.arange(len(Y)) if groups is None else np.asarray(groups)
    uniq, inv = np.unique(groups, return_inverse=True)
    g = len(uniq)
    G_tp = np.zeros((g, Y.shape[1]))
    G_fp = np.zeros((g, Y.shape[1]))
    G_fn = np.zeros((g, Y.shape[1]))
    G_sup = np.zeros((g, Y.shape[1]))
    np.add.at(G_tp, inv, (Y & P).astype(float))
    np.add.at(G_fp, inv, (~Y & P).astype(float))
    np.add.at(G_fn, inv, (Y & ~P).astype(float))
    np.add.at(G_sup, inv, Y.astype(float))
    rng = np.random.RandomState(random_state)
    micros, macros = [], []
    for _ in range(n_boot):
        w = np.bincount(rng.randint(0, g, g), minlength=g).astype(float)
        btp, bfp, bfn = w @ G_tp, w @ G_fp, w @ G_fn
        m, M = micro_macro(btp, bfp, bfn, (w @ G_sup) > 0)
        micros.append(m)
        macros.append(M)
    ci = lambda xs: [round(float(np.percentile(xs, 2.5)), 4), round(float(np.percentile(xs, 97.5)), 4)]
    return {
        "micro_f1": round(micro, 4),
        "macro_f1": round(macro, 4),
        "micro_f1_ci": ci(micros) if n_boot else None,
        "macro_f1_ci": ci(macros) if n_boot else None,
        "per_label": per_label,
    }
