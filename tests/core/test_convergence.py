"""Convergence: band entry, end slope with its interval, plateau and verdict."""

import numpy as np
import pytest
from scipy import stats

from curvelens.core.analysis.convergence import convergence, end_slope

STEPS = np.arange(1000, dtype=np.float64)


def test_exponential_decay_converges_after_it_enters_the_band():
    values = 2.0 + 3.0 * np.exp(-STEPS / 100.0)
    result = convergence(STEPS, values, smoothing=0.0)
    # final f = 2 + 3 exp(-9.99); inside when 3 exp(-s/100) <= f - 2 + 0.05 f = 0.100144
    # <=> s >= 100 ln(3 / 0.100144) = 339.97
    assert result.converged_step == 340.0
    assert result.final == pytest.approx(values[-1])
    assert result.plateau and result.converged


def test_straight_descent_never_converges():
    rng = np.random.default_rng(0)
    values = 5.0 - STEPS / 200.0 + rng.normal(0.0, 0.01, STEPS.size)
    result = convergence(STEPS, values)
    assert result.slope is not None
    assert result.slope.high < 0  # the interval excludes 0
    assert not result.plateau and not result.converged


def test_noisy_flat_tail_is_a_plateau():
    rng = np.random.default_rng(1)
    values = 1.0 + np.where(STEPS < 300, 1.0 - STEPS / 300, 0.0) + rng.normal(0, 0.01, STEPS.size)
    result = convergence(STEPS, values)
    assert result.slope is not None and result.slope.low <= 0 <= result.slope.high
    assert result.converged


def test_slope_and_interval_match_scipy_linregress():
    rng = np.random.default_rng(2)
    x = np.arange(50, dtype=np.float64)
    y = 0.3 * x + rng.normal(0, 1.0, x.size)
    fit = stats.linregress(x, y)
    half = stats.t.ppf(0.975, x.size - 2) * fit.stderr
    slope = end_slope(x, y)
    assert slope is not None
    assert slope.value == pytest.approx(fit.slope)
    assert (slope.low, slope.high) == pytest.approx((fit.slope - half, fit.slope + half))
    assert (slope.start_step, slope.span) == (0.0, 49.0)


def test_window_is_the_last_tenth_of_the_points():
    result = convergence(STEPS, np.ones(STEPS.size) + STEPS * 1e-9)
    assert result.slope is not None and result.slope.start_step == 900.0


def test_constant_series_is_converged_from_the_start():
    result = convergence(STEPS[:20], np.full(20, 3.0))
    assert result.converged_step == 0.0 and result.converged


def test_zero_final_value_uses_the_range_for_the_band():
    values = np.concatenate((np.linspace(1.0, 0.0, 50), np.zeros(50)))
    result = convergence(np.arange(100.0), values, smoothing=0.0)
    assert result.band == pytest.approx(0.05)
    assert result.converged_step == 47.0  # 1 - 47/49 = 0.041 is the first value <= 0.05


def test_non_finite_points_are_dropped():
    values = 2.0 + 3.0 * np.exp(-STEPS / 100.0)
    values[[10, 500, 999]] = [np.nan, np.inf, np.nan]
    result = convergence(STEPS, values, smoothing=0.0)
    assert result.points == 997 and result.final == pytest.approx(values[998])


def test_too_few_points_never_converge():
    assert not convergence([1.0, 2.0, 3.0], [1.0, 1.0, 1.0]).converged
    empty = convergence([], [])
    assert empty.points == 0 and empty.final is None and not empty.converged
