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
  is a metric; empty cells produce no point; one with no finite value is reported (Issue).
  ``true``/``false`` cells (any case) are the numbers 1.0/0.0, as pandas and TensorBoard
  log booleans. Exception: a column written as integers or booleans and equal on every row
  (two rows or more, not ``epoch``) is a param (``num_thinking_tokens``, ``use_amp``).
- A column with no numeric cell is a param when it holds a single distinct value, otherwise
  ignored. A mixed column keeps its numeric cells as points and reports the rest (Issue).
- A (metric, step) written twice keeps the last value in file order; ``resumed`` is True when
  some metric's steps go backwards in file order (equal steps, e.g. a train row and an eval
  row at one step, are not a resume).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
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
_PARAM_CELL = r"^\s*(?:[+-]?\d+|(?i:true|false))\s*$"


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
    pending: list[Issue] = field(default_factory=list)
    """Issues that matter once the log is no longer written (``ReadResult.pending``)."""


def table_points(frame: pl.DataFrame, path: Path) -> TableResult:
    """Apply the module's column rules to ``frame`` read from ``path``.

    Columns are String, or Float64 where the reader already parsed every cell as a number
    (constant columns excepted: whether they were written as integers decides params).
    """
    issues: list[Issue] = []
    step_name = next((name for name in STEP_COLUMNS if name in frame.columns), None)
    time_name, wall = _wall_time(frame)
    raw = _columns(frame, sorted(set(frame.columns) - {step_name, time_name}))
    values = _to_floats(raw)
    params: dict[str, ParamValue] = {}
    metric_names = _classify(raw, values, path, params, issues)
    if step_name is None:
        step = pl.Series("step", np.arange(frame.height, dtype=np.float64))
    else:
        step = _to_float(frame.get_column(step_name)).alias("step")
    wide = pl.DataFrame([step, *_columns(values, metric_names).get_columns()])
    valid = np.isfinite(step.to_numpy())  # a null step is NaN here
    if not valid.all():
        mask = pl.Series(valid)
        dropped = _content_rows(frame, ~mask)
        if dropped:
            message = f"{dropped} rows without a valid {step_name!r} value skipped"
            issues.append(Issue(path, message))
        wide, wall = wide.filter(mask), wall.filter(mask)
    points, resumed = _long_points(wide, wall, metric_names)
    issues.extend(never_finite(points, path))
    first_wall = wall.min() if time_name is not None else None
    start = float(first_wall) if isinstance(first_wall, int | float) else None
    return TableResult(points, params, resumed, issues, start)


def _columns(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """The ``names`` columns of ``frame`` (a plain select costs a whole query)."""
    return pl.DataFrame([frame.get_column(name) for name in names])


def _to_float(raw: pl.Series) -> pl.Series:
    """Strict-free float cast; whitespace around numbers is tolerated, blank cells are null."""
    if raw.dtype == pl.Float64():
        return raw
    values = raw.cast(pl.Float64(), strict=False)
    if values.null_count() == raw.null_count():
        return values
    stripped = raw.str.strip_chars()
    stripped = pl.select(
        pl.when(stripped == "").then(None).otherwise(stripped).alias(raw.name)
    ).to_series()
    values = stripped.cast(pl.Float64(), strict=False)
    if values.null_count() == raw.null_count():
        return values
    return values.fill_null(_booleans(stripped))


def _booleans(text: pl.Series) -> pl.Series:
    """``true``/``false`` cells (any case, stripped) as 1.0/0.0, every other cell null."""
    lowered = text.str.to_lowercase()
    return pl.select(
        pl.when(lowered == "true").then(1.0).when(lowered == "false").then(0.0).alias(text.name)
    ).to_series()


def _to_floats(raw: pl.DataFrame) -> pl.DataFrame:
    """:func:`_to_float` on every column, in one cast when no cell needs stripping."""
    if all(dtype == pl.Float64() for dtype in raw.dtypes):
        return raw
    values = raw.cast(pl.Float64(), strict=False)
    before, after = raw.null_count().row(0), values.null_count().row(0)
    redo = [_to_float(raw.get_column(n)) for n, b, a in zip(raw.columns, before, after) if a > b]
    return values.with_columns(redo) if redo else values


def _classify(
    raw: pl.DataFrame,
    values: pl.DataFrame,
    path: Path,
    params: dict[str, ParamValue],
    issues: list[Issue],
) -> list[str]:
    """Sort columns into params and metrics (returned), see the module docstring."""
    metric_names: list[str] = []
    raw_nulls = raw.null_count().row(0, named=True)
    nulls = values.null_count().row(0, named=True)
    for name in raw.columns:
        numeric, failed = raw.height - nulls[name], 0
        if nulls[name] != raw_nulls[name]:
            failed = _text_column(raw.get_column(name), numeric, params)
        if numeric == 0:
            continue
        if failed:
            issues.append(Issue(path, f"column {name!r}: {failed} non-numeric values ignored"))
        elif nulls[name] == 0 and _constant(raw.get_column(name), values.get_column(name)):
            params[name] = _param_value(raw.get_column(name), values.get_column(name))
            continue
        metric_names.append(name)
    return metric_names


def _text_column(raw: pl.Series, numeric: int, params: dict[str, ParamValue]) -> int:
    """Count the non-numeric filled cells; a column of one repeated text is a param."""
    text = raw.str.strip_chars()
    filled = text.filter(text != "")
    if numeric == 0 and filled.n_unique() == 1:
        params[raw.name] = filled[0]
    return filled.len() - numeric


def _constant(raw: pl.Series, values: pl.Series) -> bool:
    """True for a filled integer or boolean column (>= 2 rows, one value): a param."""
    if raw.len() < 2 or raw.name in NEVER_PARAMS or values[0] != values[-1]:
        return False  # the first/last check rules out nearly every metric cheaply
    if not (values == values[0]).all():
        return False
    return bool(raw.str.contains(_PARAM_CELL).all())


def _param_value(raw: pl.Series, values: pl.Series) -> ParamValue:
    """A constant column's param: the integer, or the boolean text as written (``True``)."""
    first = raw.str.strip_chars()[0]
    return first if first.lower() in ("true", "false") else int(values[0])


def _content_rows(frame: pl.DataFrame, mask: pl.Series) -> int:
    """How many rows selected by ``mask`` have at least one filled cell."""
    if not mask.any() or not frame.width:
        return 0
    has_content = frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    return int((mask & has_content).sum())


def _long_points(
    wide: pl.DataFrame, wall: pl.Series, metric_names: list[str]
) -> tuple[pl.DataFrame, bool]:
    """Unpivot ``wide`` to ``POINTS`` (no empty cells), last write wins; also the resumed flag."""
    if not metric_names:
        return pl.DataFrame(schema=dict(POINTS)), False
    long = _unpivot(wide, wall, metric_names)
    steps = wide.get_column("step").to_numpy()
    if bool(np.all(steps[1:] > steps[:-1])):
        return long, False  # strictly increasing steps: unique and already sorted
    backwards = long.select((pl.col("step").diff().over("metric") < 0).any()).item()
    long = long.unique(subset=["metric", "step"], keep="last", maintain_order=True)
    return long.sort(["metric", "step"]), bool(backwards)


def _unpivot(wide: pl.DataFrame, wall: pl.Series, metric_names: list[str]) -> pl.DataFrame:
    """``wide`` (step, Float64 metric columns) and its ``wall`` times as ``POINTS`` without
    empty cells. ``wall`` is kept apart: a relative ``wall_time`` column may be a metric.

    Metric by metric in ``metric_names`` order, rows in file order (what ``unpivot`` then
    ``drop_nulls`` give), built with numpy: a polars call costs more than the work here.
    """
    columns = [wide.get_column(name) for name in metric_names]
    sparse = [column.name for column in columns if column.has_nulls()]
    filled = wide.select(pl.col(sparse).is_not_null()) if sparse else pl.DataFrame()
    rows = np.arange(wide.height)
    kept = [rows[filled[c.name].to_numpy()] if c.name in sparse else rows for c in columns]
    picked = np.concatenate(kept)
    values = pl.Series("value", np.concatenate([c.to_numpy()[k] for c, k in zip(columns, kept)]))
    names = pl.Series("metric", metric_names, dtype=pl.String())
    metric = pl.concat([names.new_from_index(i, len(k)) for i, k in enumerate(kept)])
    step = pl.Series("step", wide.get_column("step").to_numpy()[picked])
    empty = wall.null_count() == wall.len()
    return pl.DataFrame([metric, step, values, _nulls(len(picked)) if empty else wall[picked]])


def never_finite(points: pl.DataFrame, path: Path) -> list[Issue]:
    """An Issue naming the metrics with no finite value at all (one numpy pass when all are)."""
    if bool(np.isfinite(points.get_column("value").to_numpy()).all()):
        return []
    finite = points.group_by("metric").agg(pl.col("value").is_finite().any())
    names = sorted(finite.filter(~pl.col("value")).get_column("metric").to_list())
    if not names:
        return []
    shown = ", ".join(repr(name) for name in names[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return [Issue(path, f"no finite value (only NaN/inf) in column(s) {shown}{more}")]


def _nulls(length: int) -> pl.Series:
    """An all-null ``wall_time`` column (``Series.clear`` runs a whole query, this does not)."""
    return pl.Series("wall_time", [None], dtype=pl.Float64()).new_from_index(0, length)


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
                return name, (numbers / 1000.0).alias("wall_time")
            if isinstance(middle, float) and middle >= _UNIX_SECONDS_MIN:
                return name, numbers.alias("wall_time")
            continue
        parsed = _parse_datetimes(raw)
        if parsed.null_count() < parsed.len():
            return name, parsed.alias("wall_time")
    return None, _nulls(frame.height)


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
