"""Per-series summary statistics."""

import math

import numpy as np
import polars as pl
import pytest

from curvelens.core.analysis.summary import COLUMNS, series, summarize, summarize_runs
from curvelens.core.schema import POINTS, RUN_POINTS, compact_points

NAN, INF = math.nan, math.inf


def points(rows, run=None):
    """A POINTS (or RUN_POINTS when ``run`` is given) frame from (metric, step, value) rows."""
    frame = pl.DataFrame(
        {
            "metric": [r[0] for r in rows],
            "step": [float(r[1]) for r in rows],
            "value": [float(r[2]) for r in rows],
            "wall_time": [None] * len(rows),
        },
        schema=dict(POINTS),
    )
    if run is None:
        return frame
    return frame.with_columns(pl.lit(run).alias("run")).select(list(RUN_POINTS))


def row(frame, **keys):
    """The single summary row matching ``keys`` as a dict."""
    match = frame.filter(pl.all_horizontal(pl.col(k) == v for k, v in keys.items()))
    assert match.height == 1
    return match.row(0, named=True)


def test_hand_computed_loss_with_nan_and_inf():
    # steps 1..5, values: nan, 4, 2, inf, 1 -> finite values 4, 2, 1 at steps 2, 3, 5
    frame = points(
        [("loss", 3, 2), ("loss", 1, NAN), ("loss", 2, 4), ("loss", 4, INF), ("loss", 5, 1)]
    )
    r = row(summarize(frame), metric="loss")
    assert r["count"] == 5
    assert (r["first_step"], r["last_step"]) == (1.0, 5.0)
    assert math.isnan(r["first"]) and r["last"] == 1.0
    assert (r["min"], r["min_step"], r["max"], r["max_step"]) == (1.0, 5.0, 4.0, 2.0)
    assert r["mean"] == pytest.approx(7 / 3)
    assert r["var"] == pytest.approx(((4 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (1 - 7 / 3) ** 2) / 2)
    assert r["std"] == pytest.approx(math.sqrt(r["var"]))
    assert r["cv"] == pytest.approx(r["std"] / (7 / 3))
    assert r["nan_count"] == 2
    assert r["improvement"] == -3.0  # last finite 1 - first finite 4
    assert r["improvement_pct"] == pytest.approx(-75.0)
    assert (r["best"], r["best_step"], r["higher_is_better"]) == (1.0, 5.0, False)


def test_accuracy_best_is_the_max_and_ties_take_the_earliest_step():
    frame = points([("acc", 1, 0.5), ("acc", 2, 0.7), ("acc", 3, 0.7), ("acc", 4, 0.2)])
    r = row(summarize(frame), metric="acc")
    assert (r["best"], r["best_step"], r["higher_is_better"]) == (0.7, 2.0, True)
    assert (r["min"], r["min_step"]) == (0.2, 4.0)


def test_unsorted_steps_give_the_same_answer_as_sorted():
    rows = [("loss", s, v) for s, v in [(1, 3.0), (2, 1.0), (3, 1.0), (4, 2.0), (5, 5.0)]]
    shuffled = [rows[i] for i in (3, 0, 4, 2, 1)]
    assert summarize(points(shuffled)).row(0) == pytest.approx(summarize(points(rows)).row(0))
    r = row(summarize(points(shuffled)), metric="loss")
    assert (r["first"], r["last"], r["min_step"]) == (3.0, 5.0, 2.0)


def test_series_without_finite_values_has_null_statistics():
    r = row(summarize(points([("loss", 1, NAN), ("loss", 2, -INF)])), metric="loss")
    assert r["count"] == 2 and r["nan_count"] == 2
    for col in ("min", "min_step", "max", "mean", "std", "var", "cv", "improvement", "best"):
        assert r[col] is None, col
    assert math.isnan(r["first"]) and r["last"] == -INF


def test_single_point_has_null_spread_and_zero_improvement():
    r = row(summarize(points([("loss", 7, 2.0)])), metric="loss")
    assert r["std"] is None and r["var"] is None
    assert r["improvement"] == 0.0 and r["improvement_pct"] == 0.0


def test_zero_mean_and_zero_first_give_null_ratios():
    r = row(summarize(points([("x", 1, 0.0), ("x", 2, 1.0), ("x", 3, -1.0)])), metric="x")
    assert r["mean"] == 0.0 and r["cv"] is None
    assert r["improvement"] == -1.0 and r["improvement_pct"] is None


def test_run_points_group_by_run_and_metric_sorted():
    frame = pl.concat(
        [
            points([("loss", 1, 3.0), ("acc", 1, 0.1)], run="b"),
            points([("loss", 1, 2.0), ("loss", 2, 1.0)], run="a"),
        ]
    )
    out = summarize(frame)
    assert out.columns == ["run", "metric", *COLUMNS]
    assert out.select("run", "metric").rows() == [("a", "loss"), ("b", "acc"), ("b", "loss")]
    assert row(out, run="a", metric="loss")["mean"] == 1.5


def test_empty_frame_gives_empty_summary_with_all_columns():
    out = summarize(pl.DataFrame(schema=dict(POINTS)))
    assert out.height == 0 and out.columns == ["metric", *COLUMNS]


def test_overrides_change_best():
    frame = points([("loss", 1, 1.0), ("loss", 2, 3.0)])
    assert row(summarize(frame, {"loss": True}), metric="loss")["best"] == 3.0


def test_mean_std_match_numpy_on_random_runs():
    rng = np.random.default_rng(3)
    frames, raw = [], {}
    for run in ("r1", "r2", "r3"):
        values = rng.normal(5.0, 2.0, size=1000)
        values[rng.random(1000) < 0.05] = NAN
        raw[run] = values
        frames.append(points([("loss", i, v) for i, v in enumerate(values)], run=run))
    out = summarize(pl.concat(frames))
    for run, values in raw.items():
        finite = values[np.isfinite(values)]
        r = row(out, run=run, metric="loss")
        assert r["mean"] == pytest.approx(np.mean(finite), rel=1e-12)
        assert r["std"] == pytest.approx(np.std(finite, ddof=1), rel=1e-12)
        assert r["min"] == np.min(finite) and r["max"] == np.max(finite)
        assert r["nan_count"] == int(np.isnan(values).sum())


def test_series_cuts_one_sorted_metric_of_one_run():
    frame = pl.concat(
        [points([("loss", 2, 1.0), ("loss", 1, 2.0)], run="a"), points([("loss", 1, 9.0)], run="b")]
    )
    steps, values = series(frame, "loss", run="a")
    assert steps.tolist() == [1.0, 2.0] and values.tolist() == [2.0, 1.0]


def test_real_reference_run_matches_numpy_on_the_raw_csv(real):
    from curvelens.core.discovery import discover
    from curvelens.core.loading import load_run

    experiments = real / "custom_experiments" / "Yinhan-Lu__Arbitrary-Probability-Model"
    name = "cond0-40_max_block_rope_distilgpt2_conditional_20251229_212429_20251229_213909"
    [ref] = [r for r in discover([experiments]).runs if r.name == name]
    out = summarize(load_run(ref).points)
    raw = pl.read_csv(ref.path / "logs" / "metrics.csv", infer_schema_length=None)
    for metric in ("train_loss", "mode1_loss", "mode3_ppl"):
        column = raw.select("step", metric).drop_nulls().unique("step", keep="last").sort("step")
        values = column.get_column(metric).cast(pl.Float64).to_numpy()
        r = row(out, metric=metric)
        assert r["count"] == values.size
        assert r["mean"] == pytest.approx(values.mean(), rel=1e-9)
        assert r["std"] == pytest.approx(values.std(ddof=1), rel=1e-9)
        assert r["last"] == pytest.approx(values[-1])
        assert r["best"] == pytest.approx(values.min())


def test_runs_holding_string_and_categorical_names_summarize_alike() -> None:
    plain = points([("loss", 1, 2.0), ("loss", 2, 1.0)])
    compact = compact_points(points([("acc", 1, 0.5), ("loss", 1, 3.0)]))
    table = summarize_runs([("a", plain), ("b", compact)])
    assert table.schema["metric"] == pl.String
    assert table.select("run", "metric", "last").rows() == [
        ("a", "loss", 1.0), ("b", "acc", 0.5), ("b", "loss", 3.0),
    ]  # fmt: skip
