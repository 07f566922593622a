"""Small statistics used by the comparisons: robust position, effect sizes, intervals, multiplicity control.

Plain functions over numpy arrays; no pandas, no state. Every function names its source under ``References:``.
Missing values (NaN) are dropped from samples before a statistic is computed; a statistic that is undefined for
what remains (an empty sample, zero variance where a ratio needs it) is returned as NaN, never raised, so that a
table over hundreds of features keeps one row per feature.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from scipy import special, stats as _stats

from toolkit.errors import ToolkitError

#: Scale that makes the median absolute deviation a consistent estimator of the standard deviation of a normal
#: distribution (1 / Phi^-1(3/4)).
MAD_SCALE = 1.4826
#: Scale that makes the mean absolute deviation around the median consistent for a normal distribution
#: (sqrt(pi/2)); used when the MAD is zero.
MEANAD_SCALE = 1.253314


def _clean(x, name: str = "x") -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise ToolkitError(f"{name}: expected numbers, got {type(x).__name__} ({exc})") from None
    return arr[np.isfinite(arr)]


def bh_qvalues(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values) controlling the false discovery rate.

    NaN p-values are ignored (the number of tests is the number of finite p-values) and stay NaN in the output.

    References:
        Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. JRSS B 57(1), 289–300.
    """
    p = np.asarray(p_values, dtype=float).ravel()
    q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    m = int(ok.sum())
    if m == 0:
        return q
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise ToolkitError(f"p_values: expected values in [0, 1], got min {p[ok].min()} and max {p[ok].max()}")
    pv = p[ok]
    order = np.argsort(pv, kind="mergesort")
    ranked = pv[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(ranked, 1.0)
    q[ok] = out
    return q


def robust_z(value: float, reference, scale: float = MAD_SCALE) -> float:
    """Robust z-score of ``value`` against ``reference``: (value − median) / (1.4826 · MAD).

    When the MAD is zero (more than half of the reference shares one value, common for rare-word rates), the
    denominator falls back to 1.2533 · mean absolute deviation around the median (the convention of the
    "modified z-score" in IBM SPSS and in Iglewicz & Hoaglin). When that is zero too (every reference value is
    identical) the result is 0 if ``value`` equals the median and ±inf otherwise. NaN for an empty reference or a
    missing value.

    References:
        Iglewicz, B. & Hoaglin, D. (1993). How to Detect and Handle Outliers. ASQC.
        Leys, C. et al. (2013). Detecting outliers: do not use standard deviation around the mean, use absolute
        deviation around the median. J. Exp. Soc. Psychol. 49(4), 764–766.
    """
    ref = _clean(reference, "reference")
    if ref.size == 0 or not np.isfinite(value):
        return float("nan")
    med = float(np.median(ref))
    dev = np.abs(ref - med)
    denom = scale * float(np.median(dev))
    if denom == 0:
        denom = MEANAD_SCALE * float(np.mean(dev))
    diff = float(value) - med
    if denom == 0:
        return 0.0 if diff == 0 else math.copysign(math.inf, diff)
    return diff / denom


def robust_scale_method(reference) -> str:
    """Which denominator :func:`robust_z` used: ``"mad"``, ``"meanad"`` or ``"constant"`` (or ``"empty"``)."""
    ref = _clean(reference, "reference")
    if ref.size == 0:
        return "empty"
    dev = np.abs(ref - np.median(ref))
    if np.median(dev) > 0:
        return "mad"
    if np.mean(dev) > 0:
        return "meanad"
    return "constant"


def percentile_of(value: float, reference) -> float:
    """Percentile (0–100) of ``value`` in ``reference``, ties counted half ("mean" kind).

    References:
        scipy.stats.percentileofscore(kind="mean").
    """
    ref = _clean(reference, "reference")
    if ref.size == 0 or not np.isfinite(value):
        return float("nan")
    below = np.count_nonzero(ref < value)
    equal = np.count_nonzero(ref == value)
    return 100.0 * (below + 0.5 * equal) / ref.size


def empirical_p_two_sided(value: float, reference) -> float:
    """Two-sided empirical p-value of ``value`` in ``reference``: (1 + #as extreme) / (n + 1).

    "As extreme" means at least as far from the reference median as ``value`` is. The +1 counts the observed value
    itself, so p is never 0 and is valid for a finite reference.

    References:
        Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their Application, §4.2.
        North, B. V., Curtis, D. & Sham, P. C. (2002). A note on the calculation of empirical P values from Monte
        Carlo procedures. Am. J. Hum. Genet. 71(2), 439–441.
    """
    ref = _clean(reference, "reference")
    if ref.size == 0 or not np.isfinite(value):
        return float("nan")
    med = np.median(ref)
    extreme = np.count_nonzero(np.abs(ref - med) >= abs(float(value) - med))
    return (1.0 + extreme) / (ref.size + 1.0)


def cliffs_delta(x, y) -> float:
    """Cliff's delta: P(X > Y) − P(X < Y), in [−1, 1], computed from ranks in O(n log n).

    References:
        Cliff, N. (1993). Dominance statistics: ordinal analyses to answer ordinal questions. Psychol. Bull.
        114(3), 494–509.
    """
    a, b = _clean(x, "x"), _clean(y, "y")
    if a.size == 0 or b.size == 0:
        return float("nan")
    ranks = _stats.rankdata(np.concatenate([a, b]))
    u = ranks[: a.size].sum() - a.size * (a.size + 1) / 2.0  # Mann–Whitney U of x, ties counted half
    return 2.0 * u / (a.size * b.size) - 1.0


def hedges_g(x, y) -> float:
    """Hedges' g: standardised mean difference (x − y) with the exact small-sample correction J(df).

    g = J(df) · (mean_x − mean_y) / s_pooled, s_pooled² = ((n_x−1)s_x² + (n_y−1)s_y²) / df, df = n_x + n_y − 2,
    J(df) = Γ(df/2) / (sqrt(df/2) · Γ((df−1)/2)) ≈ 1 − 3 / (4 df − 1). NaN when df < 2 or the pooled SD is 0.

    References:
        Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and related estimators.
        J. Educ. Stat. 6(2), 107–128.
    """
    a, b = _clean(x, "x"), _clean(y, "y")
    df = a.size + b.size - 2
    if a.size < 1 or b.size < 1 or df < 2:
        return float("nan")
    var_a = a.var(ddof=1) if a.size > 1 else 0.0
    var_b = b.var(ddof=1) if b.size > 1 else 0.0
    sp = math.sqrt(((a.size - 1) * var_a + (b.size - 1) * var_b) / df)
    if sp == 0:
        return float("nan")
    j = math.exp(special.gammaln(df / 2.0) - special.gammaln((df - 1) / 2.0)) / math.sqrt(df / 2.0)
    return j * (a.mean() - b.mean()) / sp


def mann_whitney_p(x, y) -> float:
    """Two-sided Mann–Whitney U p-value (scipy's default method choice); NaN for an empty sample or no variance."""
    a, b = _clean(x, "x"), _clean(y, "y")
    if a.size == 0 or b.size == 0:
        return float("nan")
    if np.ptp(np.concatenate([a, b])) == 0:
        return 1.0
    return float(_stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def bootstrap_two_sample(
    x,
    y,
    statistic: Callable[[np.ndarray, np.ndarray], float],
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: int | None = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic(x, y)``, resampling each sample with replacement separately.

    Replicates where the statistic is undefined (NaN) are dropped; the interval is NaN when fewer than half remain.

    References:
        Efron, B. & Tibshirani, R. (1993). An Introduction to the Bootstrap, ch. 13 (percentile interval).
    """
    _check_level(level)
    a, b = _clean(x, "x"), _clean(y, "y")
    if a.size == 0 or b.size == 0 or n_boot < 1:
        return float("nan"), float("nan")
    rng = np.random.default_rng(random_state)
    reps = np.empty(n_boot)
    for i in range(n_boot):
        reps[i] = statistic(a[rng.integers(0, a.size, a.size)], b[rng.integers(0, b.size, b.size)])
    return _percentile_interval(reps, level)


def _percentile_interval(reps: np.ndarray, level: float) -> tuple[float, float]:
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.quantile(reps, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def percentile_interval(replicates, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap ``replicates`` (NaN replicates dropped)."""
    _check_level(level)
    return _percentile_interval(np.asarray(replicates, dtype=float).ravel(), level)


def wilson_interval(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion k/n (vectorised; NaN where n == 0).

    References:
        Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA 22,
        209–212.
    """
    _check_level(level)
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = _stats.norm.ppf(1 - (1 - level) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    lo = np.where(n > 0, centre - half, np.nan)
    hi = np.where(n > 0, centre + half, np.nan)
    return np.clip(lo, 0, 1), np.clip(hi, 0, 1)


def _check_level(level: float) -> None:
    if not (0 < level < 1):
        raise ToolkitError(f"level: expected a confidence level strictly between 0 and 1, got {level!r}")
