"""Statistics against independent oracles (scipy.stats, statsmodels, plain arithmetic)."""

import math

import numpy as np
import pytest
from scipy import stats

from toolkit import stats as ts
from toolkit.errors import ToolkitError

multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
proportion_confint = pytest.importorskip("statsmodels.stats.proportion").proportion_confint


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def test_bh_qvalues_match_statsmodels(rng):
    p = np.concatenate([rng.uniform(size=200), rng.uniform(0, 0.001, size=20), [1.0, 0.0, 0.5, 0.5]])
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(ts.bh_qvalues(p), expected, rtol=1e-12)


def test_bh_qvalues_ignore_nan_and_keep_position():
    p = np.array([0.01, np.nan, 0.04, 0.03])
    q = ts.bh_qvalues(p)
    assert np.isnan(q[1])
    np.testing.assert_allclose(q[[0, 2, 3]], multipletests([0.01, 0.04, 0.03], method="fdr_bh")[1])


def test_bh_qvalues_reject_out_of_range():
    with pytest.raises(ToolkitError, match=r"p_values: expected values in \[0, 1\]"):
        ts.bh_qvalues([0.2, 1.5])


def test_robust_z_matches_scipy_mad(rng):
    ref = rng.normal(10, 3, size=500)
    mad = stats.median_abs_deviation(ref, scale="normal")  # 1/Phi^-1(3/4) = 1.482602...
    expected = (17.0 - np.median(ref)) / mad
    assert ts.robust_z(17.0, ref) == pytest.approx(expected, rel=1e-4)


def test_robust_z_falls_back_to_mean_absolute_deviation_when_mad_is_zero():
    ref = np.array([0, 0, 0, 0, 0, 0, 1, 2, 4.0])
    assert stats.median_abs_deviation(ref) == 0
    mean_ad = np.mean(np.abs(ref - 0.0))
    assert ts.robust_z(3.0, ref) == pytest.approx(3.0 / (1.253314 * mean_ad))
    assert ts.robust_scale_method(ref) == "meanad"


def test_robust_z_constant_reference():
    ref = np.zeros(10)
    assert ts.robust_z(0.0, ref) == 0.0
    assert ts.robust_z(0.5, ref) == math.inf
    assert ts.robust_z(-0.5, ref) == -math.inf
    assert ts.robust_scale_method(ref) == "constant"
    assert math.isnan(ts.robust_z(1.0, []))


def test_percentile_matches_scipy(rng):
    ref = rng.integers(0, 5, size=101).astype(float)
    for v in [-1, 0, 2, 2.5, 4, 9]:
        assert ts.percentile_of(v, ref) == pytest.approx(stats.percentileofscore(ref, v, kind="mean"))


def test_empirical_p_counts_as_extreme_by_hand():
    ref = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9.0])  # median 5
    # value 8.5 is 3.5 from the median; reference values at distance >= 3.5: 1, 9 -> (1 + 2) / 10
    assert ts.empirical_p_two_sided(8.5, ref) == pytest.approx(3 / 10)
    # the median itself: everything is as extreme
    assert ts.empirical_p_two_sided(5.0, ref) == pytest.approx(10 / 10)
    # beyond the range: only the observed value counts
    assert ts.empirical_p_two_sided(100.0, ref) == pytest.approx(1 / 10)


def test_cliffs_delta_matches_pairwise_definition_and_mannwhitney(rng):
    x = rng.integers(0, 6, size=40).astype(float)
    y = rng.integers(1, 7, size=30).astype(float)
    pairwise = np.mean(np.sign(x[:, None] - y[None, :]))
    assert ts.cliffs_delta(x, y) == pytest.approx(pairwise)
    u = stats.mannwhitneyu(x, y).statistic
    assert ts.cliffs_delta(x, y) == pytest.approx(2 * u / (x.size * y.size) - 1)


def test_hedges_g_by_hand():
    x = np.array([2.0, 4.0, 6.0, 8.0])
    y = np.array([1.0, 2.0, 3.0])
    sp = math.sqrt((3 * np.var(x, ddof=1) + 2 * np.var(y, ddof=1)) / 5)
    d = (5.0 - 2.0) / sp
    j = math.gamma(2.5) / (math.sqrt(2.5) * math.gamma(2.0))
    assert ts.hedges_g(x, y) == pytest.approx(j * d)
    # the common approximation is close for moderate df
    assert j == pytest.approx(1 - 3 / (4 * 5 - 1), abs=0.01)
    assert math.isnan(ts.hedges_g([1.0, 1.0], [1.0, 1.0]))


def test_mann_whitney_p_matches_scipy(rng):
    x, y = rng.normal(0, 1, 30), rng.normal(0.8, 1, 25)
    assert ts.mann_whitney_p(x, y) == pytest.approx(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue)


def test_bootstrap_interval_is_seeded_and_covers_truth(rng):
    x, y = rng.normal(1, 1, 80), rng.normal(0, 1, 80)
    a = ts.bootstrap_two_sample(x, y, ts.hedges_g, n_boot=300, random_state=7)
    b = ts.bootstrap_two_sample(x, y, ts.hedges_g, n_boot=300, random_state=7)
    assert a == b
    assert a[0] < ts.hedges_g(x, y) < a[1]
    assert a[0] > 0  # a one-SD difference with 80 per group is clearly positive


def test_wilson_matches_statsmodels():
    k = np.array([0, 3, 10, 50])
    n = np.array([10, 10, 10, 120])
    lo, hi = ts.wilson_interval(k, n, level=0.9)
    elo, ehi = proportion_confint(k, n, alpha=0.1, method="wilson")
    np.testing.assert_allclose(lo, elo, atol=1e-12)
    np.testing.assert_allclose(hi, ehi, atol=1e-12)


def test_level_validation_message():
    with pytest.raises(ToolkitError, match="level: expected a confidence level strictly between 0 and 1, got 95"):
        ts.wilson_interval(1, 2, level=95)
