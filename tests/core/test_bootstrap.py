"""Resampling primitives: IQM by hand, seeded reproducibility, coverage, block bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from curvelens.core.analysis.bootstrap import (
    block_bootstrap_means,
    default_block_length,
    iqm,
    iqm_rows,
    percentile_interval,
    resample,
)


def test_iqm_of_one_to_eight_is_mean_of_middle_four() -> None:
    # 8 values: drop 2 lowest (1, 2) and 2 highest (7, 8): (3 + 4 + 5 + 6) / 4
    assert iqm(np.arange(1.0, 9.0)) == pytest.approx(4.5)


def test_iqm_ignores_outliers_and_matches_scipy_trim_mean() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 1000.0])
    assert iqm(values) == pytest.approx(4.5)
    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 4, 5, 9, 10, 17):
        x = rng.normal(size=n)
        assert iqm(x) == pytest.approx(stats.trim_mean(x, 0.25))


def test_iqm_rows_is_row_wise() -> None:
    rows = np.array([[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 100.0]])
    np.testing.assert_allclose(iqm_rows(rows), [2.5, 3.5])


def test_iqm_of_empty_is_nan() -> None:
    assert np.isnan(iqm([]))


def test_resample_is_reproducible_with_the_same_seed() -> None:
    x = np.arange(10.0)
    one = resample(x, 500, np.random.default_rng(7)).mean(axis=1)
    two = resample(x, 500, np.random.default_rng(7)).mean(axis=1)
    three = resample(x, 500, np.random.default_rng(8)).mean(axis=1)
    np.testing.assert_array_equal(one, two)
    assert not np.array_equal(one, three)


def test_resample_leaves_global_numpy_state_alone() -> None:
    np.random.seed(0)
    expected = np.random.random()
    np.random.seed(0)
    resample(np.arange(10.0), 100, np.random.default_rng(1)).mean(axis=1)
    assert np.random.random() == expected


def test_percentile_interval_contains_true_mean_on_seeded_sample() -> None:
    rng = np.random.default_rng(42)
    sample = rng.normal(loc=3.0, scale=1.0, size=40)
    low, high = percentile_interval(resample(sample, 10_000, rng).mean(axis=1), 0.95)
    assert low < 3.0 < high
    # width close to the normal-theory interval 2 * 1.96 * s / sqrt(n)
    assert high - low == pytest.approx(2 * 1.96 * sample.std(ddof=1) / np.sqrt(40), rel=0.15)


def test_default_block_length_is_cube_root() -> None:
    assert default_block_length(1) == 1
    assert default_block_length(1000) == 10
    assert default_block_length(30) == 3


def test_block_bootstrap_with_full_length_block_returns_the_mean() -> None:
    x = np.array([1.0, 5.0, 2.0, 8.0])
    dist = block_bootstrap_means(x, np.random.default_rng(0), reps=50, block=4)
    np.testing.assert_allclose(dist, np.full(50, 4.0))


def test_block_bootstrap_with_unit_blocks_is_iid_bootstrap_of_mean() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=200)
    dist = block_bootstrap_means(x, np.random.default_rng(1), reps=4000, block=1)
    assert dist.mean() == pytest.approx(x.mean(), abs=0.01)
    assert dist.std() == pytest.approx(x.std() / np.sqrt(200), rel=0.1)


def test_block_bootstrap_cuts_resamples_to_n_points() -> None:
    # n = 5, block 2: blocks of 2 + 2 + 1 points; a constant series keeps its mean exactly
    # only if every resample has exactly n points and is divided by n.
    dist = block_bootstrap_means(np.full(5, 3.0), np.random.default_rng(2), reps=300, block=2)
    np.testing.assert_allclose(dist, np.full(300, 3.0))


def test_block_bootstrap_is_wider_than_iid_on_autocorrelated_series() -> None:
    rng = np.random.default_rng(9)
    walk = np.cumsum(rng.normal(size=500))
    wide = block_bootstrap_means(walk, np.random.default_rng(0), reps=2000, block=25).std()
    narrow = block_bootstrap_means(walk, np.random.default_rng(0), reps=2000, block=1).std()
    assert wide > 2 * narrow
