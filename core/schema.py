"""The two tables every part of curvelens speaks: runs and points.

Points are long: one row per (run, metric, step) observation, so sparse eval rows, resumed
jobs and formats with different metric sets all fit one frame with no NaN padding.

``POINTS`` (one run's points, as a reader returns them)
    metric     str      metric name as logged (``train_loss``, ``mode2_ppl``, ``eval/acc``)
    step       float64  training step; row order when the log has no step column
    value      float64  the logged value; NaN and +/-inf are kept as points
    wall_time  float64  unix seconds, null when the format does not record time

Loaded points (``RunData.points`` of a load, the parse cache, ``stack_points``) are kept
compact, one rule (:func:`compact_points`): ``metric`` is Categorical (4 bytes a point, not
a string each), and ``wall_time`` has dtype ``pl.Null`` (no memory at all) when no point of
the run has a time, else Float64: 20 bytes a point without times, 28 with. Code reading
times takes either: ``cast(pl.Float64)``, ``fill_null`` and comparisons work on both (a Null
column has no time). String operations and joins on names cast to String first; analysis
takes String or Categorical names alike; summaries name metrics as String.

``RUN_POINTS`` is ``LOADED_POINTS`` with a leading Categorical ``run`` column (the run id),
used when the points of many runs are stacked into one frame (24 bytes a point without
times).

``RUNS`` (one row per run, see :func:`curvelens.core.runtable.run_table`)
    id, name, path, format, status, started, updated, resumed, points, warnings, error,
    then one ``param.<key>`` string column per parameter found in any run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

import polars as pl

POINTS: Mapping[str, pl.DataType] = {
    "metric": pl.String(),
    "step": pl.Float64(),
    "value": pl.Float64(),
    "wall_time": pl.Float64(),
}
LOADED_POINTS: Mapping[str, pl.DataType] = {**POINTS, "metric": pl.Categorical()}
"""``POINTS`` as loaded runs hold them (``wall_time`` may instead be ``pl.Null``)."""
RUN_POINTS: Mapping[str, pl.DataType] = {"run": pl.Categorical(), **LOADED_POINTS}

PARAM_PREFIX = "param."

#: Run status values (rules: :mod:`curvelens.core.live.status`); ``unknown`` until read.
STATUSES = ("running", "finished", "crashed", "diverged", "stopped", "gone", "unknown", "error")


def empty_points() -> pl.DataFrame:
    """An empty frame with the ``POINTS`` schema."""
    return pl.DataFrame(schema=dict(POINTS))


def compact_points(points: pl.DataFrame) -> pl.DataFrame:
    """``points`` (``POINTS`` or ``RUN_POINTS`` columns) under the compact rule of the module
    docstring: names Categorical, an all-null ``wall_time`` of dtype Null."""
    changes = [
        pl.col(name).cast(pl.Categorical())
        for name in ("run", "metric")
        if name in points.columns and points.schema[name] != pl.Categorical()
    ]
    wall = points.get_column("wall_time")
    if wall.dtype != pl.Null() and wall.null_count() == wall.len():
        changes.append(pl.col("wall_time").cast(pl.Null()))
    return points.with_columns(changes) if changes else points


def is_loaded_points(points: pl.DataFrame) -> bool:
    """Whether ``points`` has the ``LOADED_POINTS`` columns (times Float64 or Null)."""
    schema = dict(points.schema)
    if schema.get("wall_time") == pl.Null():
        schema["wall_time"] = pl.Float64()
    return schema == dict(LOADED_POINTS)


@dataclass(frozen=True)
class Issue:
    """A problem found while reading one file: where it is and what is wrong."""

    path: Path
    """The file (not the run folder) the problem is in."""
    message: str
    """What is wrong, in words a user can act on."""
    line: int | None = None
    """1-based line (or record) number when it is known."""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class RunRef:
    """A run folder (or single log file) found by discovery, not yet read."""

    id: str
    """Unique and stable within one discovery: the path relative to the root it was found under."""
    name: str
    """Display name: the run folder's name (or file stem for a single file). In a loaded
    :class:`RunData`, the name the log records instead when it has one (MLflow run name)."""
    path: Path
    """The run folder, or the log file when a file was given directly."""
    format: str
    """Name of the reader that recognised it (``reference``, ``csv``, ``jsonl`` ...)."""


@dataclass(frozen=True, init=False, eq=False)
class RunData:
    """Everything read from one run: its points, params and what went wrong.

    ``points`` may be loaded lazily (from the parse cache): ``load_points`` gives them on
    first access; ``points``, when given, win.
    """

    ref: RunRef
    """The discovered run; ``name`` may be the log's own run name (see :class:`RunRef`)."""
    load_points: Callable[[], pl.DataFrame] = field(repr=False)
    """Gives :attr:`points` (called once, on first access)."""
    params: Mapping[str, str | int | float | bool | None] = field(default_factory=dict)
    """Flattened (dotted keys) config values and constant log columns."""
    status: str = "unknown"
    """One of :data:`STATUSES`."""
    started: datetime | None = None
    updated: datetime | None = None
    """Last modification time of the newest log file."""
    resumed: bool = False
    """True when a step was written twice for a metric (a resumed job); the last write wins."""
    issues: tuple[Issue, ...] = ()
    """Warnings: the run loaded, but these lines or files were skipped or suspicious."""
    error: str | None = None
    """Set when the run could not be read at all; ``points`` is then empty."""
    summary: pl.DataFrame | None = field(default=None, repr=False)
    """:func:`curvelens.core.analysis.summary.summarize` of ``points`` when loading computed
    it (or the cache held it), so reports need not read the points; None otherwise."""
    partial: bool = False
    """True when ``points`` and ``summary`` hold only the metrics a load asked for (lazy
    metrics, :func:`curvelens.core.loading.iter_load`); :attr:`metrics` still lists all."""
    all_metrics: tuple[str, ...] | None = None
    """Every metric name of the run when loading knows more than ``summary`` holds (a
    partial load); None: :attr:`metrics` comes from ``summary`` or ``points``."""

    def __init__(
        self,
        ref: RunRef,
        points: pl.DataFrame | None = None,
        params: Mapping[str, str | int | float | bool | None] | None = None,
        status: str = "unknown",
        started: datetime | None = None,
        updated: datetime | None = None,
        resumed: bool = False,
        issues: tuple[Issue, ...] = (),
        error: str | None = None,
        *,
        load_points: Callable[[], pl.DataFrame] | None = None,
        summary: pl.DataFrame | None = None,
        partial: bool = False,
        all_metrics: tuple[str, ...] | None = None,
    ) -> None:
        if points is not None or load_points is None:  # given points win (``replace``)
            frame = empty_points() if points is None else points
            load_points = _constant(frame)
            object.__setattr__(self, "points", frame)
        values = {
            "ref": ref,
            "load_points": load_points,
            "params": {} if params is None else params,
            "status": status,
            "started": started,
            "updated": updated,
            "resumed": resumed,
            "issues": issues,
            "error": error,
            "summary": summary,
            "partial": partial,
            "all_metrics": all_metrics,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @cached_property
    def points(self) -> pl.DataFrame:
        """``POINTS`` columns, sorted by metric then step, one row per (metric, step); compact
        (``LOADED_POINTS``, module docstring) when a load made them."""
        return self.load_points()

    @property
    def metrics(self) -> list[str]:
        """Metric names present in this run, sorted (all of them, also when partial: then
        from the header pass, which may list a column a complete read finds empty or a
        param; the complete load's list is exact)."""
        if self.all_metrics is not None:
            return sorted(self.all_metrics)
        if self.summary is not None:
            return sorted(self.summary.get_column("metric").to_list())
        return sorted(self.points.get_column("metric").unique().to_list())


def _constant(frame: pl.DataFrame) -> Callable[[], pl.DataFrame]:
    """A loader giving ``frame``."""
    return lambda: frame
