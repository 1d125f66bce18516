"""Reading many CSV/TSV logs that share a header in one polars call, for loading speed.

A polars call costs about as much for a 200 KB log as the parsing itself, so loading a
thousand runs one file at a time is dominated by fixed costs. :func:`read_table_files` groups
logs by (header line, separator, guessed number columns), parses each group's concatenated
rows once and applies the rules of :mod:`curvelens.core.readers.table` to all of its runs
together. It only takes the simple case and returns None for any log outside it (quotes, NUL
bytes, CR, a cut last line, ragged lines, no data rows, a time column, a text step, numbers in
a text column, a constant number column, a non-finite step, a cell polars refuses, a log
over :data:`LARGEST_BYTES`): the
caller reads those with :func:`curvelens.core.readers.csvlog.read_table_file`, so every
result is exactly what that function gives.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.readers.base import ReadError
from curvelens.core.readers.delimited import GUESS_BYTES, column_names, number_columns
from curvelens.core.readers.table import (
    NEVER_PARAMS,
    STEP_COLUMNS,
    TIME_COLUMNS,
    TableResult,
)
from curvelens.core.readers.tablecells import never_finite
from curvelens.core.readers.textfile import decode, read_log_bytes
from curvelens.core.schema import POINTS, Issue

CHUNK_BYTES = 8 * 2**20
"""Bytes of log rows parsed per polars call (bounds the temporary wide frame)."""
LARGEST_BYTES = 2**20
"""Logs larger than this are streamed one by one (batching saves fixed costs of small logs;
a large one is not held whole)."""


@dataclass(frozen=True)
class _Log:
    """One log file that passed the byte-level checks."""

    index: int
    """Its position in the caller's list."""
    path: Path
    """The file."""
    rows: memoryview
    """The data rows (the header line removed), each ending in a newline (not copied)."""
    height: int
    """How many rows."""


def read_table_files(paths: Sequence[Path], sep: str) -> list[TableResult | None]:
    """What :func:`~curvelens.core.readers.csvlog.read_table_file` gives for each of ``paths``
    (all separated by ``sep``), or None for a log it must read itself.

    Logs are parsed as soon as their group holds :data:`CHUNK_BYTES`, so only about that
    much file content is held at once (and its memory is reused chunk after chunk).
    """
    results: list[TableResult | None] = [None] * len(paths)
    groups: dict[tuple[bytes, tuple[bool, ...]], list[_Log]] = {}
    sizes: dict[tuple[bytes, tuple[bool, ...]], int] = {}
    names_of: dict[bytes, list[str]] = {}
    for index, path in enumerate(paths):
        found = _log(index, path, sep, names_of)
        if found is None:
            continue
        key, log = found
        groups.setdefault(key, []).append(log)
        sizes[key] = sizes.get(key, 0) + len(log.rows)
        if sizes[key] >= CHUNK_BYTES:
            _read_group(groups.pop(key), names_of[key[0]], key[1], sep, results)
            del sizes[key]
    for (header, guess), logs in groups.items():
        _read_group(logs, names_of[header], guess, sep, results)
    return results


def _log(
    index: int, path: Path, sep: str, names_of: dict[bytes, list[str]]
) -> tuple[tuple[bytes, tuple[bool, ...]], _Log] | None:
    """The group key (header line, guessed number columns) and rows of a log that can be
    batched; None for one that can't (see the module docstring)."""
    try:
        if os.stat(path).st_size > LARGEST_BYTES:
            return None
        data = read_log_bytes(path)
    except (OSError, ReadError):
        return None
    split = _split(data, sep)
    if split is None:
        return None
    header, rows = split
    names = names_of.setdefault(header, column_names(decode(header), sep))
    raw = np.frombuffer(rows, dtype=np.uint8)
    height = int(np.count_nonzero(raw == 10))
    if len(names) < 2 or np.count_nonzero(raw == ord(sep)) != (len(names) - 1) * height:
        return None  # polars refuses a line with too many fields, so none has too few
    guess = tuple(number_columns(bytes(rows[:GUESS_BYTES]), sep, len(names)))
    if not _simple_columns(names, guess):
        return None
    return (header, guess), _Log(index, path, rows, height)


def _split(data: bytes, sep: str) -> tuple[bytes, memoryview] | None:
    """(header line, data rows) of a log simple enough to batch, else None."""
    if not data.endswith(b"\n") or b'"' in data or b"\x00" in data or b"\r" in data:
        return None
    header_end = data.index(b"\n") + 1
    rows = memoryview(data)[header_end:]
    return (data[:header_end], rows) if len(rows) else None


def _simple_columns(names: list[str], guess: tuple[bool, ...]) -> bool:
    """No time column, and the step column (if any) read as numbers."""
    if any(name in TIME_COLUMNS for name in names):
        return False
    step_name = next((name for name in STEP_COLUMNS if name in names), None)
    return step_name is None or guess[names.index(step_name)]


def _read_group(
    logs: list[_Log],
    names: list[str],
    guess: tuple[bool, ...],
    sep: str,
    results: list[TableResult | None],
) -> None:
    """Parse ``logs`` in one call and fill their ``results``; halve the group when polars
    refuses a cell (as the single-file reader would), down to single logs left as None."""
    schema = {name: pl.Float64() if number else pl.String() for name, number in zip(names, guess)}
    try:
        frame = pl.read_csv(
            b"".join([log.rows for log in logs]),
            has_header=False,
            schema=schema,
            separator=sep,
            encoding="utf8",
            quote_char=None,
        )
    except pl.exceptions.PolarsError:
        if len(logs) > 1:
            half = len(logs) // 2
            _read_group(logs[:half], names, guess, sep, results)
            _read_group(logs[half:], names, guess, sep, results)
        return
    heights = np.array([log.height for log in logs], dtype=np.int64)
    if frame.height != int(heights.sum()):
        return
    try:
        tables = _GroupTables(frame, heights, [log.path for log in logs]).results()
    except Exception:  # a batch bug must not cost the runs: the single-file reader takes them
        return
    for log, table in zip(logs, tables, strict=True):
        results[log.index] = table


class _GroupTables:
    """The :func:`~curvelens.core.readers.table.table_points` rules over a frame holding the
    rows of several logs one after the other (``heights`` rows each)."""

    def __init__(self, frame: pl.DataFrame, heights: np.ndarray, paths: list[Path]) -> None:
        self.frame = frame
        self.heights = heights
        self.starts = np.concatenate(([0], np.cumsum(heights)[:-1])).astype(np.int64)
        self.paths = paths
        self.step_name = next((name for name in STEP_COLUMNS if name in frame.columns), None)
        others = sorted(set(frame.columns) - {self.step_name})
        schema = frame.schema
        self.metrics = [name for name in others if schema[name] == pl.Float64()]
        self.texts = [name for name in others if schema[name] == pl.String()]

    def results(self) -> list[TableResult | None]:
        """One TableResult per log, None where a rule needs the single-file reader."""
        steps = self._steps()
        ok = self._no_constant_numbers() & self._finite_steps(steps)
        params = self._text_params(ok)
        rising = self._rising(steps)
        points, counts = self._points(steps)
        finite = bool(np.isfinite(points.get_column("value").to_numpy()).all())
        offsets = np.concatenate(([0], np.cumsum(counts)))
        out: list[TableResult | None] = []
        for run, path in enumerate(self.paths):
            if not ok[run]:
                out.append(None)
                continue
            long = points.slice(int(offsets[run]), int(offsets[run + 1] - offsets[run]))
            resumed = False
            if not rising[run] and long.height:
                resumed = bool(long.select((pl.col("step").diff().over("metric") < 0).any()).item())
                long = long.unique(subset=["metric", "step"], keep="last", maintain_order=True)
                long = long.sort(["metric", "step"])
            issues: list[Issue] = [] if finite else never_finite(long, path)
            out.append(TableResult(long, params[run], resumed, issues, None, []))
        return out

    def _steps(self) -> np.ndarray:
        """The step of every row: its step column, else the row number within its log."""
        if self.step_name is not None:
            return self.frame.get_column(self.step_name).to_numpy()
        total = int(self.heights.sum())
        return (np.arange(total) - np.repeat(self.starts, self.heights)).astype(np.float64)

    def _no_constant_numbers(self) -> np.ndarray:
        """Per log: no number column (step included) of 2+ rows holds one value everywhere.

        Such a column is a param when written as integers, which the text decides: those logs
        go to the single-file reader (but a constant ``epoch``, a metric either way). NaN and
        null never compare equal, as there.
        """
        ok = np.ones(len(self.paths), dtype=bool)
        metrics = [name for name in self.metrics if name not in NEVER_PARAMS]  # stay metrics
        numbers = [*metrics, *([self.step_name] if self.step_name else [])]
        for name in numbers:
            values = self.frame.get_column(name).to_numpy()
            low = np.minimum.reduceat(values, self.starts)
            high = np.maximum.reduceat(values, self.starts)
            ok &= ~((low == high) & (self.heights >= 2))
        return ok

    def _finite_steps(self, steps: np.ndarray) -> np.ndarray:
        """Per log: every row has a finite step (else rows are skipped with an Issue)."""
        bad = (~np.isfinite(steps)).astype(np.int64)
        return np.asarray(np.add.reduceat(bad, self.starts) == 0)

    def _rising(self, steps: np.ndarray) -> np.ndarray:
        """Per log: steps strictly increase row by row (no duplicate to drop, no sort)."""
        flat = np.ones(len(steps), dtype=np.int64)
        flat[1:] = (steps[1:] <= steps[:-1]).astype(np.int64)
        flat[self.starts] = 0  # a log's first row follows another log
        return np.asarray(np.add.reduceat(flat, self.starts) == 0)

    def _text_params(self, ok: np.ndarray) -> list[dict[str, ParamValue]]:
        """Per log, the params of its text columns (one distinct text, no number); a log
        where a text column holds numbers (a mixed column) is marked not ``ok``."""
        params: list[dict[str, ParamValue]] = [{} for _ in self.paths]
        if not self.texts:
            return params
        run_key = "\x00run"  # no column has it: lines holding NUL bytes are not batched
        run = pl.Series(run_key, np.repeat(np.arange(len(self.paths)), self.heights))
        exprs = []
        for i, name in enumerate(self.texts):
            text = pl.col(name).str.strip_chars()
            filled = text.filter(text != "")
            exprs += [
                text.cast(pl.Float64(), strict=False).is_not_null().sum().alias(f"n{i}"),
                filled.n_unique().alias(f"u{i}"),
                filled.first().alias(f"f{i}"),
            ]
        frame = pl.DataFrame([run, *(self.frame.get_column(name) for name in self.texts)])
        stats = frame.group_by(run_key).agg(exprs).sort(run_key)
        for i, name in enumerate(self.texts):
            ok &= stats.get_column(f"n{i}").to_numpy() == 0
            single = stats.get_column(f"u{i}").to_numpy() == 1
            for run_index, value in zip(
                np.flatnonzero(single), stats[f"f{i}"].gather(np.flatnonzero(single))
            ):
                params[int(run_index)][name] = value
        return params

    def _filled(self, name: str, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The filled cells of column ``name``: values, their steps, and where each log's
        cells start in them (one entry more than logs)."""
        column = self.frame.get_column(name)
        ends = np.append(self.starts, column.len())
        if not column.has_nulls():
            return column.to_numpy(), steps, ends
        rows = np.flatnonzero(column.is_not_null().to_numpy())
        return column.drop_nulls().to_numpy(), steps[rows], np.searchsorted(rows, ends)

    def _points(self, steps: np.ndarray) -> tuple[pl.DataFrame, np.ndarray]:
        """``POINTS`` of every log one after the other (within a log metric by metric in
        name order, rows in file order, empty cells dropped: what ``table_points`` builds),
        and how many points each log has."""
        if not self.metrics:
            return pl.DataFrame(schema=dict(POINTS)), np.zeros(len(self.paths), dtype=np.int64)
        pieces = [self._filled(name, steps) for name in self.metrics]
        logs = range(len(self.paths))
        value = np.concatenate([v[b[i] : b[i + 1]] for i in logs for v, _, b in pieces])
        step = np.concatenate([t[b[i] : b[i + 1]] for i in logs for _, t, b in pieces])
        sizes = np.stack([np.diff(bounds) for _, _, bounds in pieces], axis=1)  # log x metric
        codes = np.repeat(
            np.tile(np.arange(len(pieces), dtype=np.uint32), len(logs)), sizes.ravel()
        )
        counts = sizes.sum(axis=1)
        names = pl.Series("metric", self.metrics, dtype=pl.String())
        metric = pl.select(pl.lit(names).gather(pl.lit(pl.Series(codes)))).to_series()
        frame = pl.DataFrame(
            [metric.alias("metric"), pl.Series("step", step), pl.Series("value", value)]
        )
        return frame.with_columns(pl.lit(None, dtype=pl.Float64()).alias("wall_time")), counts
