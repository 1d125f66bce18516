"""Two runs of one metric: alignment, finals, progression, divergence, paired description."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from curvelens.core.analysis.pairwise import (
    DESCRIPTIVE,
    align,
    divergence,
    final_values,
    paired_comparison,
)
from curvelens.core.comparison import curves as grid_curves
from curvelens.core.comparison.values import Curve

NAN = float("nan")
ROOT = Path(__file__).resolve().parents[2]
REAL_RUN = (
    ROOT.parent
    / "shared/fixtures/real/custom_experiments/Yinhan-Lu__Arbitrary-Probability-Model"
    / "experiments/cond0-20_max_block_rope_distilgpt2_conditional_20251229_212429_20251230_052106"
)


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


def test_align_keeps_only_steps_both_logged() -> None:
    a = points([0, 100, 200, 300], [4.0, 3.0, 2.0, 1.0])
    b = points([0, 200, 400], [5.0, 2.5, 1.0])
    aligned = align(a, b)
    assert aligned["step"].to_list() == [0.0, 200.0]
    assert aligned["a"].to_list() == [4.0, 2.0]
    assert aligned["b"].to_list() == [5.0, 2.5]


def test_align_keeps_and_flags_non_finite_values() -> None:
    a = points([0, 1, 2], [1.0, NAN, 3.0])
    b = points([0, 1, 2], [1.0, 2.0, float("inf")])
    aligned = align(a, b)
    assert aligned.height == 3
    assert aligned["finite"].to_list() == [True, False, False]
    assert math.isnan(aligned["a"][1])


def test_align_last_write_wins_on_repeated_steps() -> None:
    a = points([0, 1, 1, 2], [1.0, 9.0, 2.0, 3.0])  # resumed job wrote step 1 twice
    aligned = align(a, points([1], [5.0]))
    assert aligned["a"].to_list() == [2.0]


def test_align_interpolates_b_onto_a_steps_inside_overlap() -> None:
    a = points([0, 5, 10, 15, 20, 25], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    b = points([4, 14, 24], [10.0, 20.0, 30.0])
    aligned = align(a, b, interpolate=True)
    assert aligned["step"].to_list() == [5.0, 10.0, 15.0, 20.0]
    np.testing.assert_allclose(aligned["b"].to_numpy(), [11.0, 16.0, 21.0, 26.0])
    assert aligned["a"].to_list() == [1.0, 2.0, 3.0, 4.0]


def test_align_rejects_several_metrics() -> None:
    mixed = pl.concat([points([0], [1.0]), points([0], [2.0]).with_columns(metric=pl.lit("acc"))])
    with pytest.raises(ValueError, match="one metric"):
        align(mixed, points([0], [1.0]))


def real_points(metric: str) -> pl.DataFrame:
    """One metric of the real reference CSV: eval columns are empty on train rows."""
    table = pl.read_csv(REAL_RUN / "logs" / "metrics.csv", infer_schema_length=0)
    return table.select(
        pl.lit(metric).alias("metric"),
        pl.col("step").cast(pl.Float64),
        pl.col(metric).cast(pl.Float64).alias("value"),
    ).drop_nulls("value")


def test_real_sparse_eval_rows_align_without_empty_rows() -> None:
    mode1, mode2, train = (real_points(m) for m in ("mode1_loss", "mode2_loss", "train_loss"))
    assert 0 < mode1.height < train.height
    table = _progression(mode1, mode2)
    assert table.height == mode1.height
    assert table.null_count().sum_horizontal().item() == 0
    # eval steps repeat a train row's step, so an eval metric aligns with train loss there
    assert align(mode1, train).height == mode1.height


def test_final_values_use_last_finite_point_of_each_run() -> None:
    a = points([0, 10, 20], [3.0, 2.0, NAN])
    b = points([0, 10, 30], [3.0, 2.5, 3.0])
    final = final_values(a, b)
    assert (final.a_step, final.a_value) == (10.0, 2.0)
    assert (final.b_step, final.b_value) == (30.0, 3.0)
    assert final.diff == pytest.approx(1.0) and final.ratio == pytest.approx(1.5)


def test_final_values_without_finite_points() -> None:
    final = final_values(points([0], [NAN]), points([0], [1.0]))
    assert final.a_value is None and final.diff is None and final.ratio is None
    assert final.b_value == 1.0


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


def curves(after: np.ndarray) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Identical decaying curves until step 500, then b = a * factor(step)."""
    steps = np.arange(0.0, 1001.0, 10.0)
    a = np.exp(-steps / 300) + 0.1
    factor = np.where(steps > 500, after, 1.0)
    return points(steps, a), points(steps, a * factor)


def test_divergence_found_at_first_step_beyond_threshold_after_500() -> None:
    steps = np.arange(0.0, 1001.0, 10.0)
    # the gap ramps linearly from 0 at step 500 to 12 % at step 1000: it crosses 5 % at
    # step 708.3, so 710 (gap 5.04 %) is the first aligned step beyond; 700 is at 4.8 %.
    a, b = curves(1.0 + 0.12 * (steps - 500) / 500)
    result = divergence(align(a, b), a="old", b="new")
    assert result.step == 710.0
    assert (result.threshold, result.consecutive, result.mode) == (0.05, 3, "relative")
    assert result.gap == pytest.approx(0.0504)
    assert result.report_dict() == {
        "a": "old", "b": "new", "step": 710.0, "threshold": 0.05, "consecutive": 3,
    }  # fmt: skip


def test_divergence_after_a_sudden_ten_percent_jump() -> None:
    a, b = curves(np.full(101, 1.1))
    assert divergence(align(a, b)).step == 510.0


def test_short_excursions_do_not_count_as_divergence() -> None:
    steps = np.arange(0.0, 100.0, 1.0)
    a = np.ones(100)
    b = a.copy()
    b[[20, 21]] = 1.2  # two points beyond, then back
    b[60:] = 1.2
    aligned = align(points(steps, a), points(steps, b))
    assert divergence(aligned).step == 60.0
    assert divergence(aligned, consecutive=2).step == 20.0


def test_divergence_absolute_mode_and_none_when_never_separating() -> None:
    steps = np.arange(10.0)
    a, b = points(steps, np.zeros(10)), points(steps, np.r_[np.zeros(5), np.full(5, 0.3)])
    aligned = align(a, b)
    assert divergence(aligned, mode="absolute", threshold=0.2).step == 5.0
    assert divergence(aligned, mode="absolute", threshold=0.5).step is None
    # relative mode with a == 0: b != 0 counts as beyond
    assert divergence(aligned).step == 5.0


def test_divergence_when_one_run_blows_up() -> None:
    steps = np.arange(10.0)
    a = points(steps, np.ones(10))
    b = points(steps, np.r_[np.ones(6), np.full(4, NAN)])
    assert divergence(align(a, b)).step == 6.0
    # both NaN is not a separation
    assert divergence(align(b, b)).step is None


def test_divergence_on_too_few_points() -> None:
    aligned = align(points([0, 1], [1.0, 1.0]), points([0, 1], [2.0, 2.0]))
    assert divergence(aligned).step is None
    assert divergence(aligned.head(0)).step is None


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
