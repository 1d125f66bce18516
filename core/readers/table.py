"""Turning a wide all-text log table (CSV, TSV, JSONL rows) into long ``POINTS``.

Column rules, shared by every tabular format:

- The step is the first column found among :data:`STEP_COLUMNS`; without one, the row
  number (0-based) is the step. Rows with content but no finite step are skipped (Issue).
- The time column is the first of :data:`TIME_COLUMNS` holding absolute times: numbers
  >= 1e8 are unix seconds, >= 1e11 unix milliseconds (divided by 1000), strings are ISO
  datetimes (naive ones in the reading machine's local time). ``wall_time`` stores unix
  seconds. A time column with small numbers is relative (seconds since start): it stays an
  ordinary metric and ``wall_time`` is null, since the true start is not known exactly.
- A column whose filled cells all parse as floats (``nan``, ``inf``, ``Infinity`` included)
  is a metric; empty cells produce no point. Exception: a column written as integers and
  equal on every row (two rows or more, not ``epoch``) is a param (``num_thinking_tokens``).
- A column with no numeric cell is a param when it holds a single distinct value, otherwise
  ignored. A mixed column keeps its numeric cells as points and reports the rest (Issue).
- A (metric, step) written twice keeps the last value in file order; ``resumed`` is True when
  some metric's steps go backwards in file order (equal steps, e.g. a train row and an eval
  row at one step, are not a resume).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.schema import POINTS, Issue

STEP_COLUMNS = (
    "step",
    "global_step",
    "iteration",
    "iter",
    "_step",
    "time/total_timesteps",
    "num_updates",
    "TimestepsSoFar",
)
TIME_COLUMNS = ("wall_time", "timestamp", "_timestamp", "time", "created_at")
NEVER_PARAMS = frozenset({"epoch"})
_UNIX_SECONDS_MIN = 1e8
_UNIX_MILLIS_MIN = 1e11


@dataclass(frozen=True)
class TableResult:
    """Points, params and findings extracted from one table."""

    points: pl.DataFrame
    """``POINTS``, sorted by metric then step, one row per (metric, step)."""
    params: dict[str, ParamValue]
    """Constant non-numeric columns and constant integer columns."""
    resumed: bool
    """Some metric's steps went backwards in file order."""
    issues: list[Issue]
    """Skipped rows and non-numeric cells."""
    first_wall_time: float | None
    """Earliest absolute wall time in the table (unix seconds), if it has a time column."""


def table_points(frame: pl.DataFrame, path: Path) -> TableResult:
    """Apply the module's column rules to ``frame`` (all String columns) read from ``path``."""
    issues: list[Issue] = []
    step_name = next((name for name in STEP_COLUMNS if name in frame.columns), None)
    time_name, wall = _wall_time(frame)
    params: dict[str, ParamValue] = {}
    metrics: dict[str, pl.Series] = {}
    for name in sorted(set(frame.columns) - {step_name, time_name}):
        _classify(frame.get_column(name), frame.height, path, metrics, params, issues)
    if step_name is None:
        step = pl.Series("step", range(frame.height), dtype=pl.Float64())
    else:
        step = _to_float(frame.get_column(step_name)).alias("step")
    wide = pl.DataFrame([step, wall.alias("wall_time"), *metrics.values()])
    valid = step.is_not_null() & step.is_finite()
    dropped = _content_rows(frame, ~valid)
    if dropped:
        issues.append(Issue(path, f"{dropped} rows without a valid {step_name!r} value skipped"))
    wide = wide.filter(valid)
    points, resumed = _long_points(wide, list(metrics))
    first_wall = wall.filter(valid).min()
    start = float(first_wall) if isinstance(first_wall, int | float) else None
    return TableResult(points, params, resumed, issues, start)


def _to_float(raw: pl.Series) -> pl.Series:
    """Strict-free float cast; whitespace around numbers is tolerated, blank cells are null."""
    values = raw.cast(pl.Float64(), strict=False)
    if values.null_count() == raw.null_count():
        return values
    stripped = raw.str.strip_chars()
    stripped = pl.select(
        pl.when(stripped == "").then(None).otherwise(stripped).alias(raw.name)
    ).to_series()
    return stripped.cast(pl.Float64(), strict=False)


def _classify(
    raw: pl.Series,
    height: int,
    path: Path,
    metrics: dict[str, pl.Series],
    params: dict[str, ParamValue],
    issues: list[Issue],
) -> None:
    """Sort one column into metrics, params, or nothing (see the module docstring)."""
    values = _to_float(raw)
    numeric = values.len() - values.null_count()
    failed = 0
    if values.null_count() != raw.null_count():
        text = raw.str.strip_chars()
        filled = text.filter(text != "")
        failed = filled.len() - numeric
        if numeric == 0 and filled.n_unique() == 1:
            params[raw.name] = filled[0]
    if numeric == 0:
        return
    if failed:
        issues.append(Issue(path, f"column {raw.name!r}: {failed} non-numeric values ignored"))
    elif raw.name not in NEVER_PARAMS and _constant_int(raw, values, height):
        params[raw.name] = int(values[0])
        return
    metrics[raw.name] = values


def _constant_int(raw: pl.Series, values: pl.Series, height: int) -> bool:
    """True for a column of integers (written without a point) equal on every one of >= 2 rows."""
    if height < 2 or values.null_count() or not values.is_finite().all():
        return False
    if not (values == values[0]).all():
        return False
    return bool(raw.str.contains(r"^\s*[+-]?\d+\s*$").all())


def _content_rows(frame: pl.DataFrame, mask: pl.Series) -> int:
    """How many rows selected by ``mask`` have at least one filled cell."""
    if not mask.any() or not frame.width:
        return 0
    has_content = frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    return int((mask & has_content).sum())


def _long_points(wide: pl.DataFrame, metric_names: list[str]) -> tuple[pl.DataFrame, bool]:
    """Unpivot ``wide`` to ``POINTS`` (no empty cells), last write wins; also the resumed flag."""
    if not metric_names:
        return pl.DataFrame(schema=dict(POINTS)), False
    long = wide.unpivot(
        index=["step", "wall_time"], on=metric_names, variable_name="metric", value_name="value"
    ).drop_nulls("value")
    long = long.select(list(POINTS))  # every column is already String/Float64
    steps = wide.get_column("step")
    if steps.len() < 2 or bool((steps.diff().drop_nulls() > 0).all()):
        return long, False  # strictly increasing steps: unique and already sorted
    backwards = long.select((pl.col("step").diff().over("metric") < 0).any()).item()
    long = long.unique(subset=["metric", "step"], keep="last", maintain_order=True)
    return long.sort(["metric", "step"]), bool(backwards)


def _wall_time(frame: pl.DataFrame) -> tuple[str | None, pl.Series]:
    """The absolute time column (name, unix seconds) or (None, all-null)."""
    for name in TIME_COLUMNS:
        if name not in frame.columns:
            continue
        raw = frame.get_column(name)
        numbers = _to_float(raw)
        if numbers.null_count() == raw.null_count() and numbers.len() > raw.null_count():
            middle = numbers.median()
            if isinstance(middle, float) and middle >= _UNIX_MILLIS_MIN:
                return name, numbers / 1000.0
            if isinstance(middle, float) and middle >= _UNIX_SECONDS_MIN:
                return name, numbers
            continue
        parsed = _parse_datetimes(raw)
        if parsed.null_count() < parsed.len():
            return name, parsed
    return None, pl.Series("wall_time", [None] * frame.height, dtype=pl.Float64())


def _parse_datetimes(raw: pl.Series) -> pl.Series:
    """ISO datetime strings to unix seconds (naive = local time); unparsable cells are null."""
    seconds: dict[str, float] = {}
    for text in raw.drop_nulls().unique().to_list():
        try:
            seconds[text] = datetime.fromisoformat(text.strip()).timestamp()
        except ValueError:
            continue
    if not seconds:
        return pl.Series(raw.name, [None] * raw.len(), dtype=pl.Float64())
    return raw.replace_strict(seconds, default=None, return_dtype=pl.Float64())
