"""Min/max downsampling."""

import numpy as np

from curvelens.core.analysis.downsample import minmax_downsample


def test_a_single_spike_survives_one_million_points_to_100_buckets():
    x = np.arange(1_000_000, dtype=np.float64)
    y = np.random.default_rng(0).normal(size=x.size)
    y[654_321] = 50.0
    y[123_456] = -50.0
    xs, ys = minmax_downsample(x, y, 100)
    assert 654_321.0 in xs and 123_456.0 in xs
    assert ys.max() == 50.0 and ys.min() == -50.0


def test_output_is_bounded_ordered_and_a_subset():
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(0, 1000, size=10_000))
    y = rng.normal(size=x.size)
    xs, ys = minmax_downsample(x, y, 37)
    assert xs.size <= 4 * 37
    assert np.all(np.diff(xs) >= 0)
    index = np.searchsorted(x, xs)
    assert np.array_equal(x[index], xs) and np.array_equal(y[index], ys)


def test_first_and_last_points_and_every_column_extreme_are_kept():
    x = np.arange(1000, dtype=np.float64)
    y = np.sin(x / 7.0)
    xs, ys = minmax_downsample(x, y, 10)
    assert xs[0] == 0.0 and xs[-1] == 999.0
    for lo in range(0, 1000, 100):  # columns are 100 steps wide here
        column = y[lo : lo + 100]
        kept = ys[(xs >= lo) & (xs < lo + 100)]
        assert kept.max() == column.max() and kept.min() == column.min()


def test_small_input_is_returned_unchanged():
    x, y = [1.0, 2.0, 3.0], [3.0, 1.0, 2.0]
    xs, ys = minmax_downsample(x, y, 1)
    assert xs.tolist() == x and ys.tolist() == y


def test_nan_values_are_not_extremes_but_a_nan_column_stays_a_gap():
    x = np.arange(100, dtype=np.float64)
    y = np.ones(100)
    y[50:60] = np.nan  # column 5 of 10 is all NaN
    y[3] = np.nan
    xs, ys = minmax_downsample(x, y, 10)
    gap = ys[(xs >= 50) & (xs < 60)]
    assert gap.size == 2 and np.all(np.isnan(gap))
    assert not np.isnan(ys[xs < 10]).any()  # column 0 keeps its finite extremes, not the NaN


def test_nan_x_is_dropped_and_unsorted_x_is_ordered():
    x = np.array([5.0, np.nan, *range(40)])
    y = np.arange(42, dtype=np.float64)
    xs, _ = minmax_downsample(x, y, 4)
    assert not np.isnan(xs).any()
    assert np.all(np.diff(xs) >= 0)


def test_all_points_at_one_x_form_one_column():
    xs, ys = minmax_downsample(np.zeros(50), np.arange(50, dtype=np.float64), 3)
    assert xs.tolist() == [0.0, 0.0] and ys.tolist() == [0.0, 49.0]
