"""JSONL metric logs: one JSON object per line (``metrics.jsonl``, ``train_log.jsonl`` ...).

Run rule: a folder holding ``metrics.jsonl`` is a run; in any other folder each ``*.jsonl``
file is a run of its own (hand-rolled loggers write one file per run side by side). A
``.jsonl``/``.ndjson`` file given directly is a run. Numbers are kept as their source text
and cast like CSV cells, so bare ``NaN``/``Infinity`` and numbers written as strings
(fairseq) are accepted; nested objects become ``outer/inner`` columns; other values are
text (params when constant). ``wall_time``: see :mod:`curvelens.core.readers.table`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.csvlog import started_at
from curvelens.core.readers.table import STEP_COLUMNS, TIME_COLUMNS, table_points
from curvelens.core.readers.textfile import (
    cut_line,
    decode,
    drop_nul_lines,
    first_line,
    read_log_bytes,
    split_tail,
)
from curvelens.core.schema import Issue

LOG_NAME = "metrics.jsonl"

Record = dict[str, str | None]


def parse_line(line: str) -> Record:
    """One JSON object line as ``{column: text}``; ValueError if it is not a JSON object."""
    obj = json.loads(line, parse_float=str, parse_int=str, parse_constant=str)
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, found {type(obj).__name__}")
    return _flatten(obj, "")


def _flatten(obj: Mapping[str, Any], prefix: str) -> Record:
    """Nested objects to ``a/b`` keys, every value as text (bools ``true``/``false``)."""
    record: Record = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            record.update(_flatten(value, f"{name}/"))
        elif value is None or isinstance(value, str):
            record[name] = value
        elif isinstance(value, bool):
            record[name] = "true" if value else "false"
        else:
            record[name] = json.dumps(value)
    return record


def read_jsonl_frame(path: Path, data: bytes) -> tuple[pl.DataFrame, list[Issue], Issue | None]:
    """All complete, valid lines as an all-String frame; bad middle lines become Issues; also
    the :func:`cut_line` Issue when an invalid unterminated last line was dropped."""
    body, tail = split_tail(data)
    records: list[Record] = []
    issues: list[Issue] = []
    for number, line in enumerate(decode(body).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(parse_line(line))
        except ValueError as exc:
            issues.append(Issue(path, f"invalid JSON line skipped: {exc}", number))
    cut = None
    if tail.strip():
        try:
            records.append(parse_line(decode(tail)))
        except ValueError:  # invalid: a line still being written
            cut = cut_line(path, body)
    columns = dict.fromkeys(key for record in records for key in record)
    schema = dict.fromkeys(columns, pl.String())
    frame = pl.from_dicts(records, schema=schema) if records else pl.DataFrame(schema=schema)
    return frame, issues, cut


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
        data, nul_issues = drop_nul_lines(log, read_log_bytes(log))
        frame, issues, cut = read_jsonl_frame(log, data)
        issues[:0] = nul_issues
        table = table_points(frame, log)
        issues.extend(table.issues)
        if frame.height == 0 and not issues:
            issues.append(Issue(log, "no records yet" if data.strip() else "empty file"))
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
