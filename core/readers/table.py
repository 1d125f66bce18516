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

Every rule is a whole-table rule, yet :class:`TableStream` applies them to consecutive
chunks of rows (streaming reads): it keeps per column only counts, the first texts and the
constant seen so far, and per chunk the points of the metric columns.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.readers.tablecells import (
    blank_as_null,
    content_rows,
    never_finite,
    nulls,
    to_float,
    to_floats,
)
from curvelens.core.readers.tabletime import TimeColumns
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
    stream = TableStream(path, frame.columns)
    stream.add(frame)
    return stream.finish()


@dataclass
class _Column:
    """What the rules need to know about one column, summed over the chunks seen."""

    raw_nulls: int = 0
    """Empty cells."""
    nulls: int = 0
    """Cells that are not numbers (empty ones included)."""
    filled: int = 0
    """Non-blank cells (numbers and texts)."""
    texts: list[str] = field(default_factory=list)
    """The first two distinct texts, while no cell was a number."""
    constant: float | None = None
    """The one value of every row so far (None before the first row)."""
    varies: bool = False
    """Some row was empty, not an integer or boolean, or differed from :attr:`constant`."""
    param: ParamValue = None
    """The param value of the first row, as written (``True``) or as an integer."""
    numeric: bool = False
    """Some cell so far was a number."""
    skipped: bool = False
    """Some chunk did not read this column (projected reads): no param, no Issue."""
    values: list[tuple[int, np.ndarray, np.ndarray | None]] = field(default_factory=list)
    """Per chunk with numbers: (chunk index, the values, their rows among the valid rows
    or None for all)."""

    def add(self, raw: pl.Series, values: pl.Series, chunk: int, valid: np.ndarray | None) -> None:
        """Count one chunk's cells of this column (``valid``: rows with a finite step)."""
        raw_nulls, nulls_ = raw.null_count(), values.null_count()
        self.raw_nulls += raw_nulls
        self.nulls += nulls_
        numeric = values.len() - nulls_
        if nulls_ == raw_nulls:
            self.filled += numeric
        else:
            text = raw.str.strip_chars()
            filled = text.filter(text != "")
            self.filled += filled.len()
            if numeric == 0 and not self.numeric and len(self.texts) < 2:
                for value in filled.unique(maintain_order=True).head(2).to_list():
                    if value not in self.texts and len(self.texts) < 2:
                        self.texts.append(value)
        self._constant(raw, values, nulls_)
        if numeric:
            self._keep(values, chunk, valid, nulls_ > 0)
        self.numeric = self.numeric or numeric > 0

    def _constant(self, raw: pl.Series, values: pl.Series, nulls_: int) -> None:
        """Update :attr:`constant` / :attr:`varies` with a chunk (integers or booleans only;
        a column a reader parsed as numbers itself varies: readers give constants as text)."""
        if self.varies or not values.len():
            return
        if nulls_ or raw.dtype != pl.String() or values[0] != values[-1]:
            self.varies = True
            return
        numbers = values.to_numpy()
        first = float(numbers[0])
        if not (numbers == first).all() or not raw.str.contains(_PARAM_CELL).all():
            self.varies = True
        elif self.constant is None:
            self.constant = first
            text = raw.str.strip_chars()[0]
            self.param = text if text.lower() in ("true", "false") else int(first)
        elif self.constant != first:
            self.varies = True

    def _keep(self, values: pl.Series, chunk: int, valid: np.ndarray | None, sparse: bool) -> None:
        """Store the chunk's numbers at rows with a finite step."""
        if not sparse:
            numbers = values.to_numpy()
            if valid is None:
                self.values.append((chunk, numbers, None))
            else:
                self.values.append((chunk, numbers[valid], np.arange(int(valid.sum()))))
            return
        filled = values.is_not_null().to_numpy()
        if valid is not None:
            filled = filled & valid
            numbers = values.filter(pl.Series(filled)).to_numpy()
            rows = np.flatnonzero(filled[valid])
        else:
            numbers, rows = values.drop_nulls().to_numpy(), np.flatnonzero(filled)
        self.values.append((chunk, numbers, rows))

    def is_param(self, height: int, name: str) -> bool:
        """Constant integers or booleans on every row of a table of two rows or more."""
        return (
            not self.varies
            and not self.skipped
            and self.nulls == 0
            and height >= 2
            and name not in NEVER_PARAMS
        )


class TableStream:
    """The module's rules over a table fed chunk by chunk (:meth:`add`, then :meth:`finish`).

    ``metrics``: keep the points of these columns only (a projected read); the other
    columns may be left out of later chunks once :meth:`wanted` drops them.
    """

    def __init__(
        self, path: Path, names: Sequence[str], metrics: Collection[str] | None = None
    ) -> None:
        self.path = path
        self.names = list(names)
        self.step_name = next((name for name in STEP_COLUMNS if name in names), None)
        self.metrics = None if metrics is None else frozenset(metrics)
        self.columns = {name: _Column() for name in names if name != self.step_name}
        self.times = TimeColumns([name for name in TIME_COLUMNS if name in self.columns])
        self.height = 0
        self.dropped = 0
        self.steps: list[np.ndarray] = []
        self.valid: list[np.ndarray | None] = []
        self.last_step = -np.inf
        self.rising = True

    def wanted(self) -> list[str]:
        """The columns the next chunk must hold: all, or for a projected read the step, the
        time columns, the asked metrics and the columns that may still be params."""
        if self.metrics is None:
            return self.names
        return [
            name
            for name in self.names
            if name == self.step_name
            or name in self.times.names
            or name in self.metrics
            or (name in self.columns and self._may_be_param(self.columns[name]))
        ]

    @staticmethod
    def _may_be_param(column: _Column) -> bool:
        return not column.skipped and (not column.varies or not column.numeric)

    def add(self, frame: pl.DataFrame) -> None:
        """Apply the rules to the next rows, ``frame`` (some of the columns, see
        :meth:`wanted`)."""
        if not frame.height:
            return
        frame = blank_as_null(frame)
        chunk, height = len(self.steps), frame.height
        if self.step_name is None:
            step = np.arange(self.height, self.height + height, dtype=np.float64)
        else:
            step = to_float(frame.get_column(self.step_name)).to_numpy()
        finite = np.isfinite(step)  # a null step is NaN here
        valid = None if finite.all() else finite
        if valid is not None:
            self.dropped += content_rows(frame, ~valid)
            step = step[valid]
        self._rising(step)
        self.steps.append(step)
        self.valid.append(valid)
        others = [name for name in frame.columns if name != self.step_name]
        raw = pl.DataFrame([frame.get_column(name) for name in others])
        values = to_floats(raw) if others else raw
        for name in others:
            keep = self.metrics is None or name in self.metrics or name in self.times.names
            column = self.columns[name]
            column.add(raw.get_column(name), values.get_column(name), chunk, valid)
            if not keep:
                column.values.clear()
        for name in set(self.columns) - set(others):
            self.columns[name].skipped = True
        self.times.add(raw, values)
        self.height += height

    def _rising(self, step: np.ndarray) -> None:
        if self.rising and len(step):
            self.rising = bool(step[0] > self.last_step and np.all(step[1:] > step[:-1]))
            self.last_step = float(step[-1])

    def finish(self) -> TableResult:
        """The table's points, params, resume flag and issues."""
        time_name, wall = self.times.choose()
        params: dict[str, ParamValue] = {}
        issues: list[Issue] = []
        names = sorted(name for name in self.columns if name != time_name)
        metric_names = [name for name in names if self._classify(name, params, issues)]
        if self.dropped:
            message = f"{self.dropped} rows without a valid {self.step_name!r} value skipped"
            issues.append(Issue(self.path, message))
        if self.metrics is not None:
            metric_names = [name for name in metric_names if name in self.metrics]
        points, resumed = self._points(metric_names, wall)
        issues.extend(never_finite(points, self.path))
        start = None
        if wall is not None:
            valid = [w if v is None else w.filter(pl.Series(v)) for w, v in zip(wall, self.valid)]
            first = pl.concat(valid).min() if valid else None
            start = float(first) if isinstance(first, int | float) else None
        return TableResult(points, params, resumed, issues, start)

    def _classify(self, name: str, params: dict[str, ParamValue], issues: list[Issue]) -> bool:
        """Whether column ``name`` is a metric; its param or Issue otherwise or besides."""
        column = self.columns[name]
        numeric = self.height - column.nulls
        failed = column.filled - numeric if column.nulls != column.raw_nulls else 0
        if column.skipped:
            return numeric > 0
        if numeric == 0:
            if failed and len(column.texts) == 1:
                params[name] = column.texts[0]
            return False
        if failed:
            issues.append(Issue(self.path, f"column {name!r}: {failed} non-numeric values ignored"))
        elif column.is_param(self.height, name):
            params[name] = column.param
            return False
        return True

    def _points(
        self, metric_names: list[str], wall: list[pl.Series] | None
    ) -> tuple[pl.DataFrame, bool]:
        """``POINTS`` of ``metric_names`` (metric by metric, rows in file order), last write
        per (metric, step) kept; also the resumed flag."""
        if not metric_names:
            return pl.DataFrame(schema=dict(POINTS)), False
        metric, step, value, times = [], [], [], []
        names = pl.Series("metric", metric_names, dtype=pl.String())
        for index, name in enumerate(metric_names):
            for chunk, numbers, rows in self.columns[name].values:
                steps = self.steps[chunk]
                step.append(steps if rows is None else steps[rows])
                value.append(numbers)
                if wall is not None:
                    times.append(_wall_at(wall[chunk], self.valid[chunk], rows))
            count = sum(len(numbers) for _, numbers, _ in self.columns[name].values)
            metric.append(names.new_from_index(index, count))  # one piece per metric
        total = sum(len(v) for v in value)
        long = pl.DataFrame(
            [
                pl.concat(metric, rechunk=True),
                pl.Series("step", np.concatenate(step) if step else [], dtype=pl.Float64()),
                pl.Series("value", np.concatenate(value) if value else [], dtype=pl.Float64()),
                pl.concat(times, rechunk=True).alias("wall_time") if times else nulls(total),
            ]
        )
        if self.rising:
            return long, False  # strictly increasing steps: unique and already sorted
        backwards = long.select((pl.col("step").diff().over("metric") < 0).any()).item()
        long = long.unique(subset=["metric", "step"], keep="last", maintain_order=True)
        return long.sort(["metric", "step"]), bool(backwards)


def _wall_at(wall: pl.Series, valid: np.ndarray | None, rows: np.ndarray | None) -> pl.Series:
    """The wall times of one chunk's points: at its ``valid`` rows, then at ``rows``."""
    if valid is not None:
        wall = wall.filter(pl.Series(valid))
    return wall if rows is None else wall.gather(rows)
