"""Two-sample inference against scipy and full enumeration: Welch, exact Mann-Whitney with
ties, permutation test, Hedges' g noncentral-t interval, power, Holm; edge cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from curvelens.core.analysis import inference
from curvelens.core.analysis.effects import hedges_correction, hedges_g

RNG = np.random.default_rng


def enumerate_u(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided exact p of U by brute force: every relabelling, pairwise counting."""
    pooled = np.concatenate([a, b])
    n, k = pooled.size, a.size

    def u(x: np.ndarray, y: np.ndarray) -> float:  # U of y against x
        return float(np.sum(y[:, None] > x[None, :]) + 0.5 * np.sum(y[:, None] == x[None, :]))

    observed = abs(u(a, b) - k * b.size / 2)
    hits = total = 0
    for idx in itertools.combinations(range(n), k):
        rest = [i for i in range(n) if i not in idx]
        hits += abs(u(pooled[list(idx)], pooled[rest]) - k * b.size / 2) >= observed - 1e-12
        total += 1
    return hits / total


def test_welch_matches_scipy_with_its_interval():
    a, b = RNG(0).normal(0, 1, 4), RNG(1).normal(1, 2, 6)
    t, df, p, ci = inference.welch(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert (t, p) == (pytest.approx(ref.statistic), pytest.approx(ref.pvalue))
    assert df == pytest.approx(ref.df)
    assert ci == pytest.approx(tuple(ref.confidence_interval(0.95)))


def test_mann_whitney_equals_scipy_exact_on_tie_free_data():
    for seed in range(5):
        a, b = RNG(seed).normal(0, 1, 5), RNG(seed + 10).normal(0.8, 1, 4)
        u, p_u, _, exact = inference.permutation_tests(a, b, RNG(0))
        ref = stats.mannwhitneyu(b, a, method="exact")
        assert exact and u == ref.statistic and p_u == pytest.approx(ref.pvalue)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [([1, 1, 1], [2, 2, 2], 0.1), ([1, 2, 2], [2, 3, 3], None), ([0, 0, 1, 1], [1, 1, 2], None)],
)
def test_mann_whitney_with_ties_is_exact_by_enumeration(a, b, expected):
    x, y = np.array(a, float), np.array(b, float)
    _, p_u, _, exact = inference.permutation_tests(x, y, RNG(0))
    assert exact and p_u == pytest.approx(enumerate_u(x, y))
    if expected is not None:
        assert p_u == pytest.approx(expected)  # the exact floor, not scipy's asymptotic 0.047


def test_permutation_test_of_the_mean_matches_scipy():
    a, b = RNG(3).normal(0, 1, 5), RNG(4).normal(1, 1, 5)
    _, _, p, exact = inference.permutation_tests(a, b, RNG(0))
    ref = stats.permutation_test(
        (b, a), lambda x, y: np.mean(x) - np.mean(y), permutation_type="independent",
        n_resamples=10**6, alternative="two-sided",
    )  # fmt: skip
    assert exact and p == pytest.approx(ref.pvalue)


def test_monte_carlo_beyond_the_exact_limit_is_stable_and_close():
    a, b = RNG(5).normal(0, 1, 15), RNG(6).normal(0.7, 1, 15)  # C(30, 15) > MAX_EXACT
    _, p_u, p_m, exact = inference.permutation_tests(a, b, RNG(1))
    assert not exact
    assert p_u == pytest.approx(stats.mannwhitneyu(b, a).pvalue, abs=0.01)
    assert inference.permutation_tests(a, b, RNG(1))[1:3] == (p_u, p_m)


def test_constant_values_are_undefined_not_p_one():
    same = np.full(3, 0.1)
    assert all(math.isnan(x) for x in inference.welch(same, same.copy())[:3])
    _, p_u, p_m, _ = inference.permutation_tests(same, same.copy(), RNG(0))
    assert math.isnan(p_u) and math.isnan(p_m)
    noise = 0.1 + np.array([0.0, 5e-19, -5e-19])  # a constant's float noise
    assert math.isnan(inference.welch(noise, same)[2])


@pytest.mark.parametrize("scale", [1e-8, 1.0, 1e8])
def test_results_do_not_depend_on_magnitude(scale):
    a, b = RNG(7).normal(1, 0.1, 4), RNG(8).normal(1.2, 0.1, 4)
    base = inference.welch(a, b)[2], inference.permutation_tests(a, b, RNG(0))[1:3]
    scaled = (
        inference.welch(a * scale, b * scale)[2],
        inference.permutation_tests(a * scale, b * scale, RNG(0))[1:3],
    )
    assert scaled[0] == pytest.approx(base[0]) and scaled[1] == pytest.approx(base[1])
    offset = 1e8 if scale == 1e8 else 0.0  # large offset, small spread
    assert not math.isnan(inference.welch(a + offset, b + offset)[2])


def test_hedges_interval_is_the_noncentral_t_inversion():
    a, b = RNG(9).normal(0, 1, 5), RNG(10).normal(1, 1, 5)
    j = hedges_correction(8)
    g = hedges_g(a, b)
    low, high = inference.hedges_g_interval(g, 5, 5, j)
    t = g / j * math.sqrt(2.5)
    # the interval's ends are the ncps that put t at the 97.5 % and 2.5 % quantiles
    assert stats.nct.cdf(t, 8, low / j * math.sqrt(2.5)) == pytest.approx(0.975)
    assert stats.nct.cdf(t, 8, high / j * math.sqrt(2.5)) == pytest.approx(0.025)
    assert low < g < high


def test_hedges_interval_survives_huge_effects():
    j = hedges_correction(3)
    low, high = inference.hedges_g_interval(-137.6, 2, 3, j)
    assert low < -137.6 < high < 0


def test_hedges_interval_coverage_at_three_seeds():
    rng, hits, trials = RNG(11), 0, 400
    j = hedges_correction(4)
    true_g = 1.0
    for _ in range(trials):
        a, b = rng.normal(0, 1, 3), rng.normal(true_g, 1, 3)
        ci = inference.hedges_g_interval(hedges_g(a, b), 3, 3, j)
        hits += ci is not None and ci[0] <= true_g <= ci[1]
    assert 0.92 <= hits / trials <= 0.98


def test_power_matches_cohens_tables():
    # Cohen (1988): n = 26 per group for d = 0.8, 64 for 0.5, 393 for 0.2 (alpha .05, 80 %)
    assert [inference.seeds_needed(d) for d in (0.8, 0.5, 0.2)] == [26, 64, 394]
    detectable = inference.power_detectable(26, 26)
    assert 0.78 < detectable < 0.8
    assert math.isnan(inference.power_detectable(1, 5))
    assert inference.seeds_needed(0.01) is None


def test_holm_matches_a_hand_computation():
    p = [0.01, 0.04, 0.03, float("nan"), 0.005]
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4): 0.02, 0.03, 0.06, max(0.06, 0.04) = 0.06
    assert inference.holm(p)[:3] == pytest.approx([0.03, 0.06, 0.06])
    assert math.isnan(inference.holm(p)[3]) and inference.holm(p)[4] == pytest.approx(0.02)
