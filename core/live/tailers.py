"""Incremental reads: from a remembered :class:`Position`, the points appended since.

One :class:`Tailer` per file kind, each reusing its reader's own parsing on the new bytes
(no second parser of any format): :data:`CSV` (CSV/TSV, reference layout, Lightning, SB3),
:data:`JSONL`, :class:`MlflowMetric` (one MLflow metric file), :data:`EVENTS` (one
TensorBoard event file) and :data:`WANDB` (one W&B ``.wandb`` log). Rules shared by all:

- Only complete lines (ending in ``\\n``) or complete records are consumed; a cut last
  line or record is read on a later call, once it is complete, exactly once.
- The file is read again from the start (``Tail.restarted``) when it shrank, its inode
  changed, its first bytes changed, the bytes just before the remembered offset changed
  (a rewrite), or it is a UTF-16/32 text file (offsets do not map to its text).
- Tables: the new rows go through the table rules (:mod:`curvelens.core.readers.table`);
  when they classify a column differently from the rows before (a param column that
  now varies, a metric that looks constant), or the rows before were fewer than two (a
  column's class is not settled yet), the file is re-read whole so the result is what a
  whole read gives. Row-number steps continue from the rows before.
- Issues of new rows keep their file line numbers; table-level findings of a chunk (a
  column with no finite value *in the chunk*) are dropped, since they may not hold for
  the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.readers.base import ReadError
from curvelens.core.readers.csvlog import separator
from curvelens.core.readers.delimited import read_delimited
from curvelens.core.readers.jsonl import parse_jsonl_lines
from curvelens.core.readers.mlflow import parse_metric_lines
from curvelens.core.readers.points import PointLists, dedupe_points, points_from
from curvelens.core.readers.table import STEP_COLUMNS, TIME_COLUMNS, table_points
from curvelens.core.readers.textfile import (
    blank,
    drop_nul_lines,
    looks_binary,
    open_log,
    other_separator,
    read_log_bytes,
    wide_codec,
)
from curvelens.core.readers.tfevents import decode_events
from curvelens.core.readers.wandb import add_row
from curvelens.core.readers.wandb_log import MAGIC, decode_log
from curvelens.core.schema import Issue, empty_points

HEAD_BYTES = 64
"""How many first bytes of a file are remembered to see that it was replaced."""
ANCHOR_BYTES = 64
"""How many bytes before the offset are remembered to see that the file was rewritten."""


@dataclass(frozen=True)
class Position:
    """How far a file was read, and what is needed to read on from there."""

    offset: int = 0
    """Bytes consumed: the end of the last complete line or record."""
    inode: int = -1
    head: bytes = b""
    """The file's first bytes (up to :data:`HEAD_BYTES`) when it was read."""
    anchor: bytes = b""
    """The bytes just before :attr:`offset` (up to :data:`ANCHOR_BYTES`)."""
    lines: int = 0
    """Lines consumed (the line number of the next line is ``lines + 1``)."""
    rows: int = 0
    """Table rows consumed (row-number steps of a log without a step column)."""
    header: bytes = b""
    """The CSV/TSV header line."""
    separator: str = ""
    """The CSV/TSV separator the file was read with (a TSV named ``.csv`` uses tabs)."""
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    """Table params (constant columns) of the rows consumed."""
    ignored: frozenset[str] = frozenset()
    """Table columns of the rows consumed that are neither metric nor param."""
    plugins: Mapping[str, str | None] = field(default_factory=dict)
    """TensorBoard: the plugin each tag's first value named."""


START = Position()
"""The position of a file never read: the next read is a whole read."""


@dataclass(frozen=True)
class Tail:
    """What one incremental read found."""

    points: pl.DataFrame
    """``POINTS`` written since the position (the whole file's when ``restarted``)."""
    position: Position
    """Where the next read starts."""
    restarted: bool
    """The file was read from its start: ``points`` replace what was read before."""
    issues: tuple[Issue, ...] = ()


class Tailer(Protocol):
    """Reads what was appended to one file kind since a :class:`Position`."""

    def read(self, path: Path, since: Position) -> Tail:
        """The points appended to ``path`` since ``since`` (ReadError if unreadable)."""
        ...


@dataclass(frozen=True)
class _Bytes:
    """The unread bytes of a file and where they start."""

    data: bytes
    start: int
    restarted: bool
    inode: int
    head: bytes


def read_new(path: Path, since: Position) -> _Bytes:
    """The bytes of ``path`` after ``since.offset``, or all of them when the file was
    replaced, shrank or was rewritten (see the module docstring)."""
    with open_log(path) as handle:
        info = os.fstat(handle.fileno())
        head = handle.read(HEAD_BYTES)
        keep = (
            since.offset > 0
            and info.st_ino == since.inode
            and info.st_size >= since.offset
            and head[: len(since.head)] == since.head
        )
        if keep:
            handle.seek(since.offset - len(since.anchor))
            data = handle.read()
            if data.startswith(since.anchor):
                return _Bytes(data[len(since.anchor) :], since.offset, False, info.st_ino, head)
        handle.seek(0)
        return _Bytes(handle.read(), 0, True, info.st_ino, head)


def _advance(since: Position, new: _Bytes, used: int) -> Position:
    """The position after consuming the first ``used`` bytes of ``new``."""
    before = b"" if new.restarted else since.anchor
    anchor = (before + new.data[:used])[-ANCHOR_BYTES:]
    base = START if new.restarted else since
    return replace(base, offset=new.start + used, inode=new.inode, head=new.head, anchor=anchor)


def _text(path: Path, since: Position) -> tuple[_Bytes, bytes] | bytes:
    """New bytes and their complete lines; for a UTF-16/32 file its whole converted text
    (a bytes object: always re-read whole)."""
    new = read_new(path, since)
    if new.restarted and wide_codec(new.head) is not None:
        return read_log_bytes(path)
    if new.restarted and looks_binary(new.data):
        raise ReadError(path, "binary content, not a text log")
    return new, new.data[: new.data.rfind(b"\n") + 1]


class _Table:
    """CSV/TSV (``header`` True) or JSONL rows through the table rules."""

    def __init__(self, header: bool) -> None:
        self.header = header

    def read(self, path: Path, since: Position) -> Tail:
        """See :class:`Tailer`."""
        got = _text(path, since)
        if isinstance(got, bytes):  # a wide text file: whole, every time
            whole = self._rows(path, START, got)
            points, _, issues, _ = whole if whole is not None else (empty_points(), START, (), 0)
            return Tail(points, START, True, issues)
        new, complete = got
        base = START if new.restarted else since
        rows = self._rows(path, base, complete)
        if rows is None:  # the new rows classify a column differently: read whole
            return self.read(path, START)
        points, state, issues, used = rows
        position = _advance(since, new, used)
        position = replace(
            position,
            lines=state.lines,
            rows=state.rows,
            header=state.header,
            params=state.params,
            ignored=state.ignored,
            separator=state.separator,
        )
        return Tail(points, position, new.restarted, issues)

    def _rows(
        self, path: Path, base: Position, complete: bytes
    ) -> tuple[pl.DataFrame, Position, tuple[Issue, ...], int] | None:
        """Points of the ``complete`` new lines after ``base``, the table state after them
        (a Position of which only the table fields count), the line issues and the bytes
        used; None when the rows disagree with ``base`` (see :func:`_agrees`). Blank lines
        alone are left for later: a whole read counts them as rows only before content."""
        header, body, lines = base.header, complete, base.lines
        if self.header and not header:
            if not complete:
                return empty_points(), base, (), 0
            end = complete.index(b"\n") + 1
            header, body, lines = complete[:end], complete[end:], 1
        if blank(body):
            state = replace(base, header=header, lines=lines)
            return empty_points(), state, (), len(complete) - len(body)
        frame, issues, shift, sep = self._parse(path, base.separator, header, body, lines)
        table = table_points(frame, path)
        metrics = set(table.points.get_column("metric").unique().to_list())
        points = table.points
        if base is not START:
            if base.rows < 2 or not _agrees(base, table.params, metrics, frame):
                return None
            points = points.filter(~pl.col("metric").is_in(list(base.params)))
            metrics -= base.params.keys()
        if not any(name in frame.columns for name in STEP_COLUMNS):
            points = points.with_columns(pl.col("step") + base.rows)
        skip = {*STEP_COLUMNS, *TIME_COLUMNS}
        ignored = set(frame.columns) - metrics - table.params.keys() - skip
        line_issues = tuple(
            replace(issue, line=issue.line + shift) for issue in issues if issue.line is not None
        )
        state = Position(
            lines=lines + body.count(b"\n"),
            rows=base.rows + frame.height,
            header=header,
            params={**base.params, **table.params},
            ignored=base.ignored | ignored,
            separator=sep,
        )
        return points, state, line_issues, len(complete)

    def _parse(
        self, path: Path, sep: str, header: bytes, body: bytes, lines: int
    ) -> tuple[pl.DataFrame, list[Issue], int, str]:
        """The new lines as a text frame, by the reader's own parser; also the Issues, how
        far CSV issue line numbers must shift, and the separator (a TSV named ``.csv``
        is read with tabs, as the CSV reader does)."""
        if not self.header:  # the JSONL parser numbers lines and counts NUL lines itself
            frame, issues = parse_jsonl_lines(path, body, lines + 1)
            return frame, issues, 0, sep
        data, issues = drop_nul_lines(path, header + body)
        sep = sep or other_separator(data, separator(path)) or separator(path)
        frame, parsed, _cut = read_delimited(path, data, sep)
        return frame, issues + parsed, lines - 1, sep  # the chunk's line 1 is the header


def _agrees(
    base: Position, params: Mapping[str, ParamValue], metrics: set[str], frame: pl.DataFrame
) -> bool:
    """Whether new rows classify columns as the rows before did (a whole read of at least
    two rows then gives the same classes): every constant column is a known param or an
    ignored column; a known param column holds its value on every new row (one row alone
    looks like a metric)."""
    for name in metrics & base.params.keys():
        if not _still(frame.get_column(name), base.params[name]):
            return False
    return all(
        key in base.ignored or (key in base.params and base.params[key] == value)
        for key, value in params.items()
    )


def _still(column: pl.Series, value: ParamValue) -> bool:
    """Whether every cell of a text ``column`` is the integer param ``value``."""
    if column.null_count() or isinstance(value, bool) or not isinstance(value, int):
        return False
    text = column.cast(pl.String()).str.strip_chars()
    return bool(text.str.contains(r"^[+-]?\d+$").all() and (text.cast(pl.Int64) == value).all())


CSV: Tailer = _Table(header=True)
"""CSV and TSV logs (tab for ``.tsv``), parsed as the CSV reader parses them."""
JSONL: Tailer = _Table(header=False)
"""JSONL logs, as :class:`~curvelens.core.readers.jsonl.JsonlReader`."""


@dataclass(frozen=True)
class MlflowMetric:
    """One MLflow metric file (``metrics/<key>``), parsed by the MLflow reader."""

    key: str

    def read(self, path: Path, since: Position) -> Tail:
        """See :class:`Tailer`."""
        got = _text(path, since)
        if isinstance(got, bytes):
            lists = PointLists()
            issues = parse_metric_lines(self.key, path, got, lists)
            return Tail(points_from(lists)[0], START, True, tuple(issues))
        new, complete = got
        lines = 0 if new.restarted else since.lines
        lists = PointLists()
        issues = parse_metric_lines(self.key, path, complete, lists, lines + 1)
        position = _advance(since, new, len(complete))
        position = replace(position, lines=lines + complete.count(b"\n"))
        return Tail(points_from(lists)[0], position, new.restarted, tuple(issues))


class _Events:
    """One TensorBoard event file, decoded as the TensorBoard reader decodes it."""

    def read(self, path: Path, since: Position) -> Tail:
        """See :class:`Tailer`; decoding stops at the last complete record."""
        new = read_new(path, since)
        plugins = {} if new.restarted else dict(since.plugins)
        scalars = decode_events(new.data, plugins)
        issues = [Issue(path, scalars.error)] if scalars.error else []
        issues += [Issue(path, f"byte {new.start + at}: {what}") for at, what in scalars.problems]
        points = scalars.points if scalars.deduped else dedupe_points(scalars.points)[0]
        position = replace(_advance(since, new, scalars.end_offset), plugins=plugins)
        return Tail(points, position, new.restarted, tuple(issues))


EVENTS: Tailer = _Events()
"""TensorBoard event files (record offsets)."""


class _Wandb:
    """A W&B ``run-<id>.wandb`` log, decoded as the W&B reader decodes it."""

    def read(self, path: Path, since: Position) -> Tail:
        """See :class:`Tailer`; an exit record means a whole read (the run's end status)."""
        new = read_new(path, since)
        if new.restarted and len(new.data) < len(MAGIC) and MAGIC.startswith(new.data):
            return Tail(empty_points(), START, True)  # the header is not written yet
        try:
            log = decode_log(new.data, new.start)
        except ValueError as exc:
            raise ReadError(path, str(exc)) from None
        if log.exit_code is not None and not new.restarted:
            return self.read(path, START)
        lists = PointLists()
        for row in log.history:
            add_row(row, lists)
        issues = (Issue(path, log.error),) if log.error else ()
        position = _advance(since, new, log.end_offset - new.start)
        return Tail(points_from(lists)[0], position, new.restarted, issues)


WANDB: Tailer = _Wandb()
"""W&B transaction logs (byte offsets of record ends)."""
