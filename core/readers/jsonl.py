"""JSONL metric logs: one JSON object per line (``metrics.jsonl``, ``train_log.jsonl`` ...).

Run rule: a folder holding ``metrics.jsonl`` is a run; in any other folder each ``*.jsonl``
file is a run of its own (hand-rolled loggers write one file per run side by side). A
``.jsonl``/``.ndjson`` file given directly is a run. The file is streamed line by line (memory
follows the records kept); a last line without its newline is pending (being written),
never data; a line nested too deeply is skipped with an Issue. Numbers are kept as their source text
and cast like CSV cells, so bare ``NaN``/``Infinity`` and numbers written as strings
(fairseq) are accepted; nested objects become ``outer/inner`` columns; other values are
text (params when constant). ``wall_time``: see :mod:`curvelens.core.readers.table`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.csvlog import started_at
from curvelens.core.readers.table import STEP_COLUMNS, TIME_COLUMNS, table_points
from curvelens.core.readers.textfile import (
    CUT_LINE,
    MAX_LINE_BYTES,
    NUL_EVERYWHERE,
    Budget,
    blank,
    decode,
    first_line,
    log_lines,
    open_log,
)
from curvelens.core.schema import Issue

LOG_NAME = "metrics.jsonl"

Record = dict[str, str | None]


MAX_NESTING = 32
"""Object levels flattened to ``a/b`` columns; a deeper value is kept as its JSON text."""


def parse_line(line: str) -> Record:
    """One JSON object line as ``{column: text}``; ValueError if it is not a JSON object
    (or is nested too deeply for the parser)."""
    try:
        obj = json.loads(line, parse_float=str, parse_int=str, parse_constant=str)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, found {type(obj).__name__}")
    return _flatten(obj, "", 0)


def _flatten(obj: Mapping[str, Any], prefix: str, depth: int) -> Record:
    """Nested objects to ``a/b`` keys, every value as text (bools ``true``/``false``)."""
    record: Record = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < MAX_NESTING:
            record.update(_flatten(value, f"{name}/", depth + 1))
        elif value is None or isinstance(value, str):
            record[name] = value
        elif isinstance(value, bool):
            record[name] = "true" if value else "false"
        else:
            record[name] = _dumps(value)
    return record


def _dumps(value: object) -> str:
    """JSON text of a list or over-deep object (a placeholder when even that is too deep)."""
    try:
        return json.dumps(value)
    except RecursionError:
        return "<nested too deeply>"


@dataclass
class _Lines:
    """What a pass over a JSONL file's lines keeps: records, problems, the cut last line."""

    path: Path
    records: list[Record] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    cut: Issue | None = None
    nul_lines: list[int] = field(default_factory=list)
    lines: int = 0

    def add(self, number: int, raw: bytes | None) -> None:
        """Take line ``number`` (None: too long); a last line without its newline is
        pending, never data."""
        self.lines = number
        if raw is None:
            message = f"line longer than {MAX_LINE_BYTES // 2**20} MiB skipped"
            self.issues.append(Issue(self.path, message, number))
            return
        if b"\x00" in raw:
            self.nul_lines.append(number)
            return
        if not raw.endswith(b"\n"):
            if not blank(raw):
                self.cut = Issue(self.path, CUT_LINE, number)
            return
        line = decode(raw)
        if not line.strip():
            return
        try:
            self.records.append(parse_line(line))
        except ValueError as exc:
            self.issues.append(Issue(self.path, f"invalid JSON line skipped: {exc}", number))

    def nul_issue(self, whole: bool = True) -> Issue | None:
        """The Issue for lines holding NUL bytes; ReadError when no line of a ``whole``
        file is free of them."""
        if not self.nul_lines:
            return None
        if whole and not self.records and not self.issues:
            raise ReadError(self.path, NUL_EVERYWHERE)
        count = len(self.nul_lines)
        word = "line" if count == 1 else "lines"
        message = f"{count} {word} holding NUL bytes skipped (file damaged, e.g. by a crash)"
        return Issue(self.path, message, self.nul_lines[0])


def read_lines(path: Path) -> _Lines:
    """Stream ``path`` line by line, keeping only the parsed records (memory follows what
    is kept, not the file size); stops with an Issue when the file's time budget is spent."""
    lines, budget = _Lines(path), Budget()
    with open_log(path) as handle:
        for number, raw in enumerate(log_lines(path, handle), start=1):
            if budget.due(number):
                lines.issues.append(budget.issue(path, number))
                break
            lines.add(number, raw)
    return lines


def read_jsonl_frame(path: Path) -> tuple[pl.DataFrame, list[Issue], Issue | None, bool]:
    """All complete, valid lines of ``path`` as an all-String frame; bad lines become Issues;
    also the :data:`CUT_LINE` Issue of an unterminated last line and whether any line had
    content."""
    lines = read_lines(path)
    frame, issues = _frame(lines, whole=True)
    return frame, issues, lines.cut, bool(lines.records or issues or lines.cut)


def parse_jsonl_lines(
    path: Path, data: bytes, first_line: int = 1
) -> tuple[pl.DataFrame, list[Issue]]:
    """:func:`read_jsonl_frame` of ``data``: complete lines of ``path`` from the start of its
    line ``first_line`` (the live poller's appended bytes); Issues keep file line numbers."""
    lines = _Lines(path)
    for number, raw in enumerate(io.BytesIO(data), start=first_line):
        lines.add(number, raw if len(raw) <= MAX_LINE_BYTES else None)
    return _frame(lines, whole=False)


def _frame(lines: _Lines, whole: bool) -> tuple[pl.DataFrame, list[Issue]]:
    """The records of ``lines`` as an all-String frame, and every Issue."""
    nul = lines.nul_issue(whole)
    issues = ([nul] if nul is not None else []) + lines.issues
    records = lines.records
    columns = dict.fromkeys(key for record in records for key in record)
    schema = dict.fromkeys(columns, pl.String())
    frame = pl.from_dicts(records, schema=schema) if records else pl.DataFrame(schema=schema)
    return frame, issues


class JsonlReader(Reader):
    """One JSON object per line, any keys."""

    name = "jsonl"
    file_patterns = ("*.jsonl", "*.ndjson")

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """A folder holding ``metrics.jsonl``."""
        return LOG_NAME in entry_names

    def nested_runs(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """Every sub-folder: the log is the one ``metrics.jsonl`` file."""
        return entry_names

    def file_runs(self, folder: Path, entry_names: frozenset[str]) -> list[str]:
        """Every ``*.jsonl`` file of a folder that is not a run itself."""
        return sorted(name for name in entry_names if name.endswith(".jsonl"))

    def describe(self, path: Path) -> Description:
        """Metric names from the keys of the first line."""
        log = self._log_file(path)
        try:
            keys = parse_line(first_line(log)).keys()
        except ValueError as exc:
            return Description(metrics=(), issues=(Issue(log, f"invalid first line: {exc}", 1),))
        skip = {*STEP_COLUMNS, *TIME_COLUMNS}
        return Description(metrics=tuple(sorted(key for key in keys if key not in skip)))

    def read(self, path: Path) -> ReadResult:
        """Points, constant-key params and resume flag of the JSONL file."""
        log = self._log_file(path)
        frame, issues, cut, content = read_jsonl_frame(log)
        table = table_points(frame, log)
        issues.extend(table.issues)
        if frame.height == 0 and not issues:
            issues.append(Issue(log, "no records yet" if content else "empty file"))
        return ReadResult(
            points=table.points,
            params=table.params,
            resumed=table.resumed,
            issues=tuple(issues),
            pending=(cut,) if cut is not None else (),
            started=started_at(table.first_wall_time, (log,)),
            files=(log,),
        )

    @staticmethod
    def _log_file(path: Path) -> Path:
        """``path`` itself for a file run, else the folder's ``metrics.jsonl``."""
        if not path.is_dir():
            return path
        if not (path / LOG_NAME).exists():
            raise ReadError(path, f"no {LOG_NAME} in this folder")
        return path / LOG_NAME
