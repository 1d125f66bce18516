"""Two runs of one metric: the engine's progression table and the paired description."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import stats

from curvelens.core.analysis.pairwise import (
    DESCRIPTIVE,
    paired_comparison,
)
from curvelens.core.comparison import curves as grid_curves
from curvelens.core.comparison.values import Curve

NAN = float("nan")


def points(steps: list[float] | np.ndarray, values: list[float] | np.ndarray) -> pl.DataFrame:
    """A POINTS frame of one metric."""
    n = len(steps)
    return pl.DataFrame(
        {
            "metric": ["loss"] * n,
            "step": np.asarray(steps, dtype=np.float64),
            "value": np.asarray(values, dtype=np.float64),
            "wall_time": [None] * n,
        },
        schema={
            "metric": pl.String,
            "step": pl.Float64,
            "value": pl.Float64,
            "wall_time": pl.Float64,
        },
    )


def align(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    """``step, a, b, finite`` over the steps both runs logged (the frame the engine builds)."""
    joined = a.select("step", pl.col("value").alias("a")).join(
        b.select("step", pl.col("value").alias("b")), on="step"
    )
    return joined.sort("step").with_columns(
        (pl.col("a").is_finite() & pl.col("b").is_finite()).alias("finite")
    )


def _progression(a: pl.DataFrame, b: pl.DataFrame, max_rows: int = 10_000) -> pl.DataFrame:
    """The engine's progression table of two runs on their shared grid."""
    ca, cb = (
        Curve(n, f["step"].to_numpy(), f["value"].to_numpy()) for n, f in (("a", a), ("b", b))
    )
    grid = grid_curves.shared_grid([ca, cb], set())
    return grid_curves.progression(
        grid, grid_curves.on_grid(ca, grid), grid_curves.on_grid(cb, grid), max_rows
    )


def test_progression_interpolates_sparse_evals_onto_the_shared_grid() -> None:
    # Eval every 100 steps in a, every 50 in b: the grid is the union inside the overlap.
    a = points(np.arange(0, 501, 100), np.linspace(5, 1, 6))
    b = points(np.arange(0, 501, 50), np.linspace(5, 2, 11))
    table = _progression(a, b)
    assert table.columns == ["step", "a", "b", "diff", "ratio"]
    assert table["step"].to_list() == [float(x) for x in range(0, 501, 50)]
    assert table.null_count().sum_horizontal().item() == 0
    np.testing.assert_allclose(table["diff"], table["b"] - table["a"])
    assert table["a"][1] == pytest.approx(4.6)  # halfway between 5 and 4.2
    assert table["ratio"][-1] == pytest.approx(2.0 / 1.0)


def test_progression_ratio_is_null_where_a_is_zero() -> None:
    table = _progression(points([0, 1], [0.0, 2.0]), points([0, 1], [1.0, 3.0]))
    assert table["ratio"].to_list() == [None, 1.5]


def test_progression_max_rows_keeps_first_and_last() -> None:
    steps = np.arange(100.0)
    table = _progression(points(steps, steps), points(steps, steps * 2), max_rows=5)
    assert table.height == 5
    assert table["step"][0] == 0.0 and table["step"][-1] == 99.0


def shifted_pair(n: int = 300, shift: float = 0.1) -> pl.DataFrame:
    gen = np.random.default_rng(8)
    steps = np.arange(float(n))
    a = np.exp(-steps / 100) + gen.normal(0, 0.05, n)
    b = a + shift + gen.normal(0, 0.05, n)
    return align(points(steps, a), points(steps, b))


def test_paired_comparison_matches_scipy_and_contains_the_shift() -> None:
    aligned = shifted_pair()
    res = paired_comparison(aligned, rng=np.random.default_rng(3))
    diffs = (aligned["b"] - aligned["a"]).to_numpy()
    ref = stats.wilcoxon(diffs)
    assert res.n == 300 and res.block == round(300 ** (1 / 3))
    assert res.mean_diff == pytest.approx(diffs.mean())
    assert res.wilcoxon_stat == pytest.approx(ref.statistic)
    assert res.wilcoxon_p == pytest.approx(ref.pvalue)
    assert res.mean_diff_ci is not None and res.mean_diff_ci[0] < 0.1 < res.mean_diff_ci[1]
    assert res.caveat == DESCRIPTIVE and "not independent" in res.caveat


def test_paired_comparison_is_reproducible() -> None:
    aligned = shifted_pair()
    one = paired_comparison(aligned, rng=np.random.default_rng(5), reps=500)
    two = paired_comparison(aligned, rng=np.random.default_rng(5), reps=500)
    assert one == two


def test_paired_comparison_skips_non_finite_and_handles_degenerate_input() -> None:
    aligned = align(points([0, 1, 2], [1.0, NAN, 2.0]), points([0, 1, 2], [1.0, 5.0, 2.0]))
    res = paired_comparison(aligned, rng=np.random.default_rng(0), reps=100)
    assert res.n == 2 and res.mean_diff == 0.0
    assert res.wilcoxon_p is None and res.mean_diff_ci == (0.0, 0.0)
    single = paired_comparison(aligned.head(1), rng=np.random.default_rng(0))
    assert single.n == 1 and single.mean_diff_ci is None
    empty = paired_comparison(aligned.head(0), rng=np.random.default_rng(0))
    assert empty.n == 0 and empty.mean_diff is None and empty.notes
