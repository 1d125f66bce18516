"""Per-series summary statistics of a ``POINTS`` or ``RUN_POINTS`` frame, in one group_by.

One row per (run, metric) (or per metric when there is no ``run`` column), sorted by them:

    count            all points of the series, NaN/inf/null included
    first_step       smallest step
    last_step        largest step
    first, last      raw value at first_step / last_step (NaN if that point is NaN)
    min, min_step    smallest finite value and the earliest step holding it
    max, max_step    largest finite value and the earliest step holding it
    mean             mean of the finite values
    std, var         sample standard deviation and variance (ddof=1) of the finite values
    cv               std / |mean|; null when mean is 0
    nan_count        points that are NaN, +/-inf or null
    improvement      last finite value - first finite value (by step)
    improvement_pct  100 * improvement / |first finite value|; null when that is 0
    best, best_step  min/min_step or max/max_step, by the metric's direction
    higher_is_better the direction used for ``best`` (see :mod:`.direction`)

Statistics over finite values are null when a series has none (std/var also with only one).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from curvelens.core.analysis.direction import higher_is_better

#: Output columns after the group keys, in order.
COLUMNS = (
    "count",
    "first_step",
    "last_step",
    "first",
    "last",
    "min",
    "min_step",
    "max",
    "max_step",
    "mean",
    "std",
    "var",
    "cv",
    "nan_count",
    "improvement",
    "improvement_pct",
    "best",
    "best_step",
    "higher_is_better",
)

_V = pl.col("value")
_S = pl.col("step")
#: The value where it is finite, else null: null-skipping aggregations then see finite values only.
_VF = pl.col("_finite_value")


def _aggregates() -> list[pl.Expr]:
    """Per-group expressions for one group_by pass; they assume steps ascend within a group."""
    return [
        pl.len().alias("count"),
        _S.first().alias("first_step"),
        _S.last().alias("last_step"),
        _V.first().alias("first"),
        _V.last().alias("last"),
        _VF.min().alias("min"),
        _S.get(_VF.arg_min()).alias("min_step"),
        _VF.max().alias("max"),
        _S.get(_VF.arg_max()).alias("max_step"),
        _VF.mean().alias("mean"),
        _VF.var(ddof=1).alias("var"),
        _VF.null_count().alias("nan_count"),
        _VF.drop_nulls().first().alias("_first_finite"),
        _VF.drop_nulls().last().alias("_last_finite"),
        (_S.diff() < 0).any().alias("_unsorted"),
    ]


def _group_stats(points: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Raw per-group aggregates, sorting the points by step first only if they need it."""
    finite = pl.when(_V.is_finite()).then(_V).alias("_finite_value")
    stats = points.lazy().with_columns(finite).group_by(keys).agg(_aggregates()).collect()
    if stats.get_column("_unsorted").any():
        ordered = points.sort([*keys, "step"], maintain_order=True)
        stats = ordered.lazy().with_columns(finite).group_by(keys).agg(_aggregates()).collect()
    return stats.sort(keys)


def summarize(points: pl.DataFrame, overrides: Mapping[str, bool] | None = None) -> pl.DataFrame:
    """Summary statistics per (run, metric) of ``points``; columns in the module docstring.

    ``overrides`` maps exact metric names to "higher is better", for ``best``/``best_step``.
    """
    keys = ["run", "metric"] if "run" in points.columns else ["metric"]
    stats = _group_stats(points, keys)
    metrics = stats.get_column("metric").unique().to_list()
    direction = pl.DataFrame(
        {"metric": metrics, "higher_is_better": [higher_is_better(m, overrides) for m in metrics]},
        schema={"metric": pl.String, "higher_is_better": pl.Boolean},
    )
    stats = stats.join(direction, on="metric", how="left")
    higher = pl.col("higher_is_better")
    first, last, mean = pl.col("_first_finite"), pl.col("_last_finite"), pl.col("mean")
    std = pl.col("var").sqrt()
    return stats.with_columns(
        std.alias("std"),
        pl.when(mean != 0).then(std / mean.abs()).alias("cv"),
        (last - first).alias("improvement"),
        pl.when(first != 0).then(100 * (last - first) / first.abs()).alias("improvement_pct"),
        pl.when(higher).then(pl.col("max")).otherwise(pl.col("min")).alias("best"),
        pl.when(higher).then(pl.col("max_step")).otherwise(pl.col("min_step")).alias("best_step"),
    ).select(*keys, *COLUMNS)


def within_steps(points: pl.DataFrame, lo: float | None, hi: float | None) -> pl.DataFrame:
    """Points with ``lo <= step <= hi`` (None leaves that side open): stats of a visible range."""
    keep = pl.lit(True)
    if lo is not None:
        keep &= lo <= _S
    if hi is not None:
        keep &= hi >= _S
    return points.filter(keep)


def series(
    points: pl.DataFrame, metric: str, run: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``steps, values`` float64 arrays of one metric (of one run), sorted by step."""
    keep = pl.col("metric") == metric
    if run is not None:
        keep &= pl.col("run") == run
    one = points.filter(keep).sort("step", maintain_order=True)
    steps = one.get_column("step").cast(pl.Float64).to_numpy()
    values = one.get_column("value").cast(pl.Float64).fill_null(np.nan).to_numpy()
    return steps, values
