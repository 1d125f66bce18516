"""Two-group comparison: scipy cross-checks, hand-computed effect sizes, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from curvelens.core.analysis.effects import (
    cohens_d,
    compare_groups,
    hedges_g,
    probability_of_improvement,
)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.fixture
def samples() -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.default_rng(11)
    return gen.normal(1.0, 0.5, size=8), gen.normal(1.6, 1.2, size=11)


def test_welch_matches_scipy(samples: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = samples
    res = compare_groups("a", a, "b", b, rng=rng(), reps=200)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert res.welch_t == pytest.approx(ref.statistic)
    assert res.welch_p == pytest.approx(ref.pvalue)
    assert res.welch_df == pytest.approx(ref.df)
    assert res.welch_t is not None and res.welch_t > 0  # b - a, and b has the larger mean


def test_mann_whitney_matches_scipy(samples: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = samples
    res = compare_groups("a", a, "b", b, rng=rng(), reps=200)
    ref = stats.mannwhitneyu(b, a, alternative="two-sided")
    assert res.mannwhitney_u == pytest.approx(ref.statistic)
    assert res.mannwhitney_p == pytest.approx(ref.pvalue)


def test_probability_of_improvement_is_normalised_u(
    samples: tuple[np.ndarray, np.ndarray],
) -> None:
    a, b = samples
    res = compare_groups("a", a, "b", b, rng=rng(), reps=200)
    assert res.mannwhitney_u is not None
    assert res.prob_improvement == pytest.approx(res.mannwhitney_u / (a.size * b.size))


def test_probability_of_improvement_by_hand_with_ties() -> None:
    a = np.array([1.0, 2.0])
    b = np.array([2.0, 3.0])
    # pairs (b, a): (2,1) win, (2,2) tie, (3,1) win, (3,2) win -> (3 + 0.5) / 4
    assert probability_of_improvement(a, b) == pytest.approx(0.875)
    # lower is better: only the tie counts, half
    assert probability_of_improvement(a, b, higher_is_better=False) == pytest.approx(0.125)


def test_prob_improvement_follows_direction() -> None:
    a, b = [1.0, 1.1, 1.2], [2.0, 2.1, 2.2]
    assert compare_groups("a", a, "b", b, rng=rng(), reps=100).prob_improvement == 1.0
    lower = compare_groups("a", a, "b", b, rng=rng(), reps=100, higher_is_better=False)
    assert lower.prob_improvement == 0.0


def test_hedges_g_by_hand() -> None:
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([3.0, 4.0, 5.0])
    # means 2 and 4, both sample variances 1 -> pooled sd 1, d = 2
    assert cohens_d(a, b) == pytest.approx(2.0)
    # df = 4: J = Gamma(2) / (sqrt(2) Gamma(3/2)) = 1 / (sqrt(2) sqrt(pi) / 2) = sqrt(2 / pi)
    assert hedges_g(a, b) == pytest.approx(2.0 * math.sqrt(2.0 / math.pi))
    # close to the usual approximation J ~ 1 - 3 / (4 df - 1) = 0.8
    assert hedges_g(a, b) == pytest.approx(2.0 * 0.8, rel=0.01)


def test_hedges_g_interval_by_hand() -> None:
    res = compare_groups("a", [1.0, 2.0, 3.0], "b", [3.0, 4.0, 5.0], rng=rng(), reps=100)
    g = 2.0 * math.sqrt(2.0 / math.pi)
    se = math.sqrt(6 / 9 + g * g / 12)
    assert res.hedges_g == pytest.approx(g)
    assert res.hedges_g_ci == pytest.approx((g - 1.959964 * se, g + 1.959964 * se))


def test_mean_diff_ci_contains_true_difference_and_is_reproducible() -> None:
    gen = np.random.default_rng(21)
    a, b = gen.normal(0.0, 1.0, size=30), gen.normal(1.0, 1.0, size=30)
    one = compare_groups("a", a, "b", b, rng=rng(4))
    two = compare_groups("a", a, "b", b, rng=rng(4))
    assert one.mean_diff_ci == two.mean_diff_ci
    assert one.iqm_diff_ci == two.iqm_diff_ci
    assert one.mean_diff_ci is not None and one.mean_diff_ci[0] < 1.0 < one.mean_diff_ci[1]
    assert one.iqm_diff_ci is not None and one.iqm_diff_ci[0] < 1.0 < one.iqm_diff_ci[1]
    assert one.mean_diff == pytest.approx(b.mean() - a.mean())


def test_single_runs_give_none_with_reasons() -> None:
    res = compare_groups("a", [1.0], "b", [2.0], rng=rng())
    assert res.mean_diff == 1.0
    assert res.welch_t is None and res.welch_p is None
    assert res.hedges_g is None and res.cohens_d is None
    assert res.mean_diff_ci is None and res.iqm_diff_ci is None
    assert res.prob_improvement == 1.0
    assert any("welch" in note for note in res.notes)


def test_two_vs_one_has_d_but_no_g() -> None:
    res = compare_groups("a", [1.0, 3.0], "b", [4.0], rng=rng())
    # df = 1: d is defined (pooled sd = sqrt(2)), g needs df >= 2
    assert res.cohens_d == pytest.approx(2.0 / math.sqrt(2.0))
    assert res.hedges_g is None
    assert any("hedges" in note for note in res.notes)


def test_identical_groups() -> None:
    values = [0.3, 0.5, 0.9, 1.1]
    res = compare_groups("a", values, "b", values, rng=rng())
    assert res.welch_t == 0.0 and res.welch_p == pytest.approx(1.0)
    assert res.mannwhitney_p == pytest.approx(1.0)
    assert res.hedges_g == 0.0 and res.prob_improvement == 0.5
    assert res.mean_diff == 0.0


def test_zero_variance_groups_do_not_raise() -> None:
    res = compare_groups("a", [1.0, 1.0, 1.0], "b", [2.0, 2.0, 2.0], rng=rng())
    assert res.welch_t is None and res.cohens_d is None and res.hedges_g is None
    assert res.prob_improvement == 1.0
    assert res.mean_diff_ci == (1.0, 1.0)
    assert len(res.notes) >= 2


def test_nan_values_are_excluded_and_named() -> None:
    a = {"a1": 1.0, "a2": 2.0, "a3": float("nan")}
    b = {"b1": 2.0, "b2": float("inf"), "b3": 3.0}
    res = compare_groups("A", a, "B", b, rng=rng(), reps=200)
    assert (res.n_a, res.n_b) == (2, 2)
    assert res.mean_diff == pytest.approx(1.0)
    assert any("a3" in note for note in res.notes)
    assert any("b2" in note for note in res.notes)


def test_empty_group_gives_all_none() -> None:
    res = compare_groups("a", [float("nan")], "b", [1.0, 2.0], rng=rng())
    assert res.n_a == 0
    assert res.mean_diff is None and res.prob_improvement is None
    assert res.mannwhitney_u is None and res.welch_t is None


def test_report_dict_has_the_report_keys() -> None:
    res = compare_groups("a", [1.0, 2.0], "b", [2.0, 4.0], rng=rng(), reps=100)
    assert set(res.report_dict()) == {
        "a", "b", "welch_t", "welch_p", "mannwhitney_u", "mannwhitney_p", "hedges_g",
        "prob_improvement",
    }  # fmt: skip
