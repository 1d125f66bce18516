"""Per-series summary statistics of a ``POINTS`` or ``RUN_POINTS`` frame, with numpy reductions.

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

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import polars as pl

from curvelens.core.analysis.direction import higher_is_better
from curvelens.core.schema import RUN_POINTS, compact_points

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

BATCH_POINTS = 2_000_000
"""Points per batch in :func:`summarize_runs` (bounds its temporary numpy arrays)."""
_BATCH_COLUMNS = ("metric", "step", "value")


def summarize(points: pl.DataFrame, overrides: Mapping[str, bool] | None = None) -> pl.DataFrame:
    """Summary statistics per (run, metric) of ``points``; columns in the module docstring.

    ``overrides`` maps exact metric names to "higher is better", for ``best``/``best_step``.
    Computed with numpy reductions over each series' contiguous rows (a few passes over the
    values, few polars calls), so it is fast both for long series and for many small runs.
    """
    keys = ["run", "metric"] if "run" in points.columns else ["metric"]
    frame, starts, groups = _ordered(points, keys)
    return _table(frame, starts, groups, overrides)


def summarize_runs(
    runs: Sequence[tuple[str, pl.DataFrame]], overrides: Mapping[str, bool] | None = None
) -> pl.DataFrame:
    """:func:`summarize` of many runs' ``POINTS`` (``(run id, points)`` pairs) as if stacked
    into one ``RUN_POINTS`` frame, without building its ``run`` column.

    Runs are taken in batches of about :data:`BATCH_POINTS` points, so the per-call cost of
    :func:`summarize` is paid once per batch instead of once per run, and memory stays flat.
    """
    tables = [_run_batch(batch, overrides) for batch in _batches(runs)]
    if not tables:
        return summarize(pl.DataFrame(schema=dict(RUN_POINTS)), overrides)
    return pl.concat(tables).sort(["run", "metric"])


def _batches(
    runs: Sequence[tuple[str, pl.DataFrame]],
) -> Iterator[list[tuple[str, pl.DataFrame]]]:
    """Consecutive non-empty runs grouped into batches of about :data:`BATCH_POINTS` points."""
    batch: list[tuple[str, pl.DataFrame]] = []
    size = 0
    for run_id, points in runs:
        if not points.height:
            continue
        batch.append((run_id, points))
        size += points.height
        if size >= BATCH_POINTS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _run_batch(
    batch: list[tuple[str, pl.DataFrame]], overrides: Mapping[str, bool] | None
) -> pl.DataFrame:
    """Summary rows of one batch of runs; series must not cross runs, so runs start series.
    Names are taken as Categorical (what loaded runs hold), so String and Categorical mix."""
    batch = [(run_id, compact_points(points)) for run_id, points in batch]
    frame = pl.DataFrame(
        [pl.concat([points.get_column(name) for _, points in batch]) for name in _BATCH_COLUMNS]
    )
    offsets = np.cumsum([0, *(points.height for _, points in batch)])[:-1]
    starts = np.union1d(_starts(frame, ["metric"]), offsets)
    run_ids = pl.Series("run", [run_id for run_id, _ in batch], dtype=pl.String)
    owner = np.searchsorted(offsets, starts, side="right") - 1
    groups = pl.DataFrame([run_ids.gather(owner), frame.get_column("metric").gather(starts)])
    if _in_order(frame, starts, groups):
        return _table(frame, starts, groups, overrides)
    stacked = [
        p.select(pl.lit(i, pl.String).alias("run"), "metric", "step", "value") for i, p in batch
    ]
    return summarize(pl.concat(stacked), overrides)


def _table(
    frame: pl.DataFrame,
    starts: np.ndarray,
    groups: pl.DataFrame,
    overrides: Mapping[str, bool] | None,
) -> pl.DataFrame:
    """The summary of ``frame``, whose series start at ``starts`` with keys ``groups``."""
    keys = groups.columns
    ends = np.append(starts[1:], frame.height)[: len(starts)] - 1
    value = frame.get_column("value").cast(pl.Float64)
    values, steps = value.to_numpy(), frame.get_column("step").cast(pl.Float64).to_numpy()
    stats = _finite_stats(values, starts)
    names = groups.get_column("metric").to_list()
    directions = {m: higher_is_better(m, overrides) for m in set(names)}
    higher = np.array([directions[m] for m in names], dtype=bool)
    std, mean = np.sqrt(stats["var"]), stats["mean"]
    first, last = stats["first_finite"], stats["last_finite"]
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(mean != 0, std / np.abs(mean), np.nan)
        pct = np.where(first != 0, 100 * (last - first) / np.abs(first), np.nan)
    best_index = np.where(higher, stats["max_index"], stats["min_index"])
    undefined_is_nan = {
        "first_step": _at(steps, starts),
        "last_step": _at(steps, ends),
        "min": stats["min"],
        "min_step": _at(steps, stats["min_index"]),
        "max": stats["max"],
        "max_step": _at(steps, stats["max_index"]),
        "mean": mean,
        "std": std,
        "var": stats["var"],
        "cv": cv,
        "improvement": last - first,
        "improvement_pct": pct,
        "best": np.where(higher, stats["max"], stats["min"]),
        "best_step": _at(steps, best_index),
    }
    has_nulls = value.has_nulls()
    columns = [
        *(key.cast(pl.String) for key in groups.get_columns()),  # Categorical names too
        *(pl.Series(name, data, nan_to_null=True) for name, data in undefined_is_nan.items()),
        pl.Series("count", ends - starts + 1, dtype=pl.UInt32),
        pl.Series("nan_count", stats["nan_count"], dtype=pl.UInt32),
        pl.Series("higher_is_better", higher, dtype=pl.Boolean),
        value.gather(starts) if has_nulls else pl.Series(values[starts]),  # NaN stays NaN
        value.gather(ends) if has_nulls else pl.Series(values[ends]),
    ]
    columns[-2:] = [columns[-2].alias("first"), columns[-1].alias("last")]
    return pl.DataFrame(columns)[[*keys, *COLUMNS]].sort(keys)


def _ordered(
    points: pl.DataFrame, keys: list[str]
) -> tuple[pl.DataFrame, np.ndarray, pl.DataFrame]:
    """``points`` with each series' rows contiguous and ascending by step, the series' first
    rows and their keys.

    Frames already in that order (what readers and ``stack_points`` give) are used as they
    are; otherwise a stable sort by keys then step, so rows with equal steps keep their order.
    """
    starts = _starts(points, keys)
    groups = points.select(keys)[starts]
    if _in_order(points, starts, groups):
        return points, starts, groups
    ordered = points.sort([*keys, "step"], maintain_order=True)
    starts = _starts(ordered, keys)
    return ordered, starts, ordered.select(keys)[starts]


def _in_order(points: pl.DataFrame, starts: np.ndarray, groups: pl.DataFrame) -> bool:
    """Whether every series is contiguous (keys not repeated) with steps ascending in it."""
    steps = points.get_column("step").cast(pl.Float64).to_numpy()
    falls = np.flatnonzero(steps[1:] < steps[:-1]) + 1
    return bool(np.isin(falls, starts).all()) and not groups.is_duplicated().any()


def _starts(points: pl.DataFrame, keys: list[str]) -> np.ndarray:
    """Row indices where a run of equal keys begins."""
    change = pl.any_horizontal(pl.col(key).ne_missing(pl.col(key).shift(1)) for key in keys)
    starts = points.select(change.arg_true()).to_series().to_numpy().astype(np.int64)
    return starts if points.height else np.empty(0, dtype=np.int64)


def _finite_stats(values: np.ndarray, starts: np.ndarray) -> dict[str, np.ndarray]:
    """Per-series statistics of the finite values (NaN when undefined) and row indices.

    ``min_index``/``max_index`` are the first rows holding the min/max, -1 when the series
    has no finite value; ``first_finite``/``last_finite`` are the first/last finite values.
    One numpy pass per statistic; the masking passes are skipped when every value is finite.
    """
    lengths = np.diff(np.append(starts, len(values)))
    ends = starts + lengths - 1
    finite = np.isfinite(values)
    if finite.all():
        count, clean, first, last = lengths, values, starts, ends
    else:
        count = np.add.reduceat(finite, starts, dtype=np.int64)
        clean = np.where(finite, values, np.nan)
        first, last = _first_last(np.flatnonzero(finite), starts, ends)
    shift = np.nan_to_num(_at(values, first))  # centring on the first finite value keeps
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant series' std exactly 0
        centred = clean - np.repeat(shift, lengths)
        if clean is not values:
            centred[~finite] = 0.0
        offset = np.add.reduceat(centred, starts) / count
        mean = shift + offset
        spread = centred - np.repeat(offset, lengths)
        if clean is not values:
            spread[~finite] = 0.0
        squares = np.add.reduceat(spread * spread, starts)
        var = np.where(count > 1, squares / (count - 1), np.nan)
    stats = {"mean": mean, "var": var, "nan_count": lengths - count}
    for name, reduce in (("min", np.fmin), ("max", np.fmax)):
        extreme = reduce.reduceat(clean, starts)
        hits = np.flatnonzero(clean == np.repeat(extreme, lengths))  # NaN never equals
        stats[name], stats[f"{name}_index"] = extreme, _first_last(hits, starts, ends)[0]
    stats["first_finite"] = _at(values, first)
    stats["last_finite"] = _at(values, last)
    return stats


def _first_last(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, ...]:
    """First and last of the sorted ``rows`` inside each series [start, end]; -1 if none."""
    if not len(rows):
        return np.full(len(starts), -1), np.full(len(starts), -1)
    after = np.searchsorted(rows, starts)
    first = rows[np.minimum(after, len(rows) - 1)]
    before = np.searchsorted(rows, ends, side="right") - 1
    last = rows[np.maximum(before, 0)]
    has_first = (after < len(rows)) & (first <= ends)
    return np.where(has_first, first, -1), np.where((before >= 0) & (last >= starts), last, -1)


def _at(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values`` at ``rows``; NaN where the row is -1."""
    return np.where(rows >= 0, values[rows], np.nan) if len(values) else np.empty(len(rows))


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
