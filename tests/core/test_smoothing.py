"""Smoothing: TensorBoard's EMA, centred mean, gaussian."""

import math

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d

from curvelens.core.analysis.smoothing import ema, gaussian, rolling_mean


def tensorboard_ema(values, weight):
    """Straight transcription of the documented TensorBoard algorithm, as a slow oracle."""
    values = [float(v) for v in values]
    if all(v == values[0] for v in values):
        return np.array(values)
    last, count, out = 0.0, 0, []
    for v in values:
        if not math.isfinite(v):
            out.append(v)
            continue
        last = last * weight + (1 - weight) * v
        count += 1
        out.append(last / (1 if weight == 1 else 1 - weight**count))
    return np.array(out)


def test_constant_series_is_returned_unchanged():
    assert np.array_equal(ema([5.0, 5.0, 5.0], 0.9), [5.0, 5.0, 5.0])


def test_first_points_are_debiased_by_hand():
    # w = 0.5: last1 = 0.5*1 = 0.5 -> /0.5 = 1; last2 = 0.25 + 1.5 = 1.75 -> /0.75 = 7/3
    assert np.allclose(ema([1.0, 3.0], 0.5), [1.0, 7 / 3])


def test_weight_zero_is_raw():
    x = np.array([1.0, 4.0, np.nan, 2.0])
    assert np.array_equal(ema(x, 0.0), x, equal_nan=True)


def test_weight_one_follows_tensorboard():
    out = ema([1.0, 2.0, np.inf, 3.0], 1.0)
    assert np.array_equal(out, [0.0, 0.0, np.inf, 0.0])


def test_nan_in_the_middle_passes_through_and_is_not_accumulated():
    # w = 0.5 on [1, nan, 3]: the NaN is skipped, so the third point is debiased with n = 2
    out = ema([1.0, np.nan, 3.0], 0.5)
    assert out[0] == 1.0
    assert np.isnan(out[1])
    assert out[2] == pytest.approx(7 / 3)


@pytest.mark.parametrize("weight", [1e-12, 0.01, 0.3, 0.6, 0.9, 0.99, 0.999, 0.99999])
@pytest.mark.parametrize("n", [1, 2, 7, 1000, 20000])
def test_matches_the_reference_loop(weight, n):
    rng = np.random.default_rng(n)
    x = rng.normal(3.0, 10.0, size=n)
    x[rng.random(n) < 0.02] = np.nan
    x[rng.random(n) < 0.01] = -np.inf
    expected = tensorboard_ema(x, weight)
    assert np.allclose(ema(x, weight), expected, rtol=1e-10, atol=1e-10, equal_nan=True)


def test_out_of_range_weights_are_clipped_like_tensorboard():
    x = [1.0, 2.0, 3.0]
    assert np.array_equal(ema(x, -0.5), x)
    assert np.array_equal(ema(x, math.nan), x)
    assert np.array_equal(ema(x, 2.0), [0.0, 0.0, 0.0])


def test_input_is_not_modified():
    x = np.array([1.0, 2.0, 3.0])
    ema(x, 0.5)
    rolling_mean(x, 3)
    gaussian(x, 1.0)
    assert np.array_equal(x, [1.0, 2.0, 3.0])


def test_rolling_mean_is_centred_and_shrinks_at_the_ends():
    out = rolling_mean([1.0, 2.0, 3.0, 4.0, 5.0], 3)
    assert np.allclose(out, [1.5, 2.0, 3.0, 4.0, 4.5])


def test_rolling_mean_even_window_takes_the_extra_point_after():
    assert np.allclose(rolling_mean([0.0, 2.0, 4.0, 6.0], 2), [1.0, 3.0, 5.0, 6.0])


def test_rolling_mean_skips_non_finite_points():
    out = rolling_mean([1.0, np.nan, 3.0, np.inf, 5.0], 3)
    assert np.allclose(out[[0, 2, 4]], [1.0, 3.0, 5.0])
    assert np.isnan(out[1]) and out[3] == np.inf


def test_rolling_mean_window_one_is_raw():
    assert np.array_equal(rolling_mean([3.0, 1.0], 1), [3.0, 1.0])


def test_gaussian_matches_scipy_away_from_the_ends():
    x = np.random.default_rng(0).normal(size=500)
    ours = gaussian(x, 3.0)
    scipys = gaussian_filter1d(x, 3.0, truncate=4.0)
    assert np.allclose(ours[20:-20], scipys[20:-20], atol=1e-9)


def test_gaussian_keeps_constants_at_the_ends_and_around_gaps():
    out = gaussian([2.0, 2.0, np.nan, 2.0, 2.0], 1.0)
    assert np.allclose(out[[0, 1, 3, 4]], 2.0)
    assert np.isnan(out[2])


def test_time_weighted_ema_equals_ema_on_even_steps() -> None:
    from curvelens.core.analysis.smoothing import ema, time_weighted_ema

    rng = np.random.default_rng(0)
    values = rng.normal(size=200)
    steps = np.arange(200) * 10.0
    np.testing.assert_allclose(time_weighted_ema(values, steps, 0.8), ema(values, 0.8))


def test_time_weighted_ema_forgets_more_over_a_long_gap() -> None:
    from curvelens.core.analysis.smoothing import time_weighted_ema

    steps = np.array([0.0, 1, 2, 3, 100])
    values = np.array([0.0, 0, 0, 0, 1])
    out = time_weighted_ema(values, steps, 0.9)
    assert out[-1] > 0.99  # 97 median gaps: almost nothing of the old average is left
    nan = time_weighted_ema(np.array([1.0, np.nan, 3.0]), np.array([0.0, 1, 2]), 0.5)
    assert np.isnan(nan[1]) and nan[0] == 1.0


def test_time_weighted_ema_matches_the_recursion_on_uneven_steps() -> None:
    from curvelens.core.analysis.smoothing import time_weighted_ema

    rng = np.random.default_rng(3)
    values = rng.normal(size=3000)
    steps = np.cumsum(rng.integers(1, 40, size=3000)).astype(float)
    steps[1500:] += 1e7  # a resumed job far later: the old average is forgotten
    for weight in (0.01, 0.6, 0.95):
        gaps = np.diff(steps)
        decay = np.concatenate(([weight], weight ** (gaps / np.median(gaps))))
        total = norm = 0.0
        expected = []
        for d, v in zip(decay, values, strict=True):
            total, norm = d * total + (1 - d) * v, d * norm + (1 - d)
            expected.append(total / norm)
        np.testing.assert_allclose(time_weighted_ema(values, steps, weight), expected, rtol=1e-9)
