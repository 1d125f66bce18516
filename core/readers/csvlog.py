"""Generic CSV/TSV metric logs: Lightning ``metrics.csv``, any ``*.tsv`` (SB3: :mod:`.sb3`).

Run folders: a folder directly holding one of :data:`LOG_NAMES` is a run (Lightning's
``version_N/``); when several are present the first in that order is read.
Its sub-folders may be runs of their own (SB3's ``PPO_N/`` TensorBoard folders), except
test-tube's ``tf/`` copy of the same metrics.
Any ``.csv``/``.tsv`` file given directly on the command line is read as a run too.
Params: constant columns and the ``hparams.yaml`` beside the log (Lightning), read by the
tolerant safe loader (:mod:`curvelens.core.readers.yamlfile`).
A folder holding event files beside ``metrics.csv`` (Lightning's ``TensorBoardLogger`` and
``CSVLogger`` sharing a version folder) is read from the CSV, whose values are exact where
the events hold float32 copies; only the event tags the CSV lacks (``hp_metric``) are added,
and ``add_hparams`` values the YAML already holds are not repeated.
Columns follow :mod:`curvelens.core.readers.table`; ``wall_time`` holds unix seconds from an
absolute time column (relative-time columns stay metrics). ``started`` is the first wall time
when there is one, else the log file's mtime.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import polars as pl

from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.csvstream import read_table_file, separator
from curvelens.core.readers.delimited import header_names
from curvelens.core.readers.table import STEP_COLUMNS, TIME_COLUMNS, TableResult
from curvelens.core.readers.tablebatch import read_table_files
from curvelens.core.readers.tensorboard import TensorBoardReader, is_event_file, new_hparams
from curvelens.core.readers.textfile import oldest_mtime, utc_datetime
from curvelens.core.readers.yamlfile import yaml_params
from curvelens.core.schema import Issue

__all__ = ["CsvReader", "describe_columns", "read_table_file", "separator", "started_at"]
LOG_NAMES = ("metrics.csv", "metrics.tsv")
HPARAMS = "hparams.yaml"
TEST_TUBE = "meta.experiment"
"""Marks a test-tube (early Lightning) folder, whose ``tf/`` repeats the CSV as events."""


def describe_columns(path: Path) -> tuple[str, ...]:
    """Header columns that would be metrics (step and time columns removed), sorted."""
    skip = {*STEP_COLUMNS, *TIME_COLUMNS}
    try:
        names = header_names(path, separator(path))
    except (csv.Error, ReadError):  # read() reports it
        return ()
    return tuple(sorted(name for name in names if name not in skip))


def started_at(first_wall_time: float | None, files: tuple[Path, ...]) -> datetime | None:
    """The first logged wall time, else the oldest mtime of ``files``."""
    return utc_datetime(first_wall_time) or oldest_mtime(files)


class CsvReader(Reader):
    """Wide CSV/TSV logs with one column per metric and sparse rows."""

    name = "csv"
    file_patterns = ("*.csv", "*.tsv")

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """A folder directly holding ``metrics.csv`` or ``metrics.tsv``."""
        return any(name in entry_names for name in LOG_NAMES)

    def nested_runs(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """Every sub-folder (SB3 puts ``PPO_N/`` event folders beside its log), but the
        ``tf/`` of a test-tube folder (``meta.experiment``): the same metrics as events, and,
        beside event files, the ``add_hparams`` folders they read with the run."""
        nested = entry_names - {"tf"} if TEST_TUBE in entry_names else entry_names
        if any(is_event_file(name) for name in entry_names):
            return nested & TensorBoardReader().nested_runs(folder, entry_names)
        return nested

    def describe(self, path: Path) -> Description:
        """Metric names from the header line."""
        return Description(metrics=describe_columns(self._log_file(path)))

    def read(self, path: Path) -> ReadResult:
        """Points, constant-column and ``hparams.yaml`` params, resume flag of the run."""
        log = self._log_file(path)
        return self._result(log, read_table_file(log))

    def read_metrics(self, path: Path, metrics: frozenset[str]) -> ReadResult:
        """:meth:`read` with the points of ``metrics`` only, parsing only their columns
        (and those the rules need: see :mod:`curvelens.core.readers.csvstream`)."""
        log = self._log_file(path)
        result = self._result(log, read_table_file(log, metrics))
        return replace(result, points=result.points.filter(pl.col("metric").is_in(metrics)))

    def read_many(self, paths: Sequence[Path]) -> list[ReadResult | None]:
        """:meth:`read` for the runs whose logs :func:`read_table_files` can batch."""
        by_sep: dict[str, list[tuple[int, Path]]] = {}
        for index, path in enumerate(paths):
            try:
                log = self._log_file(path)
            except ReadError:
                continue
            by_sep.setdefault(separator(log), []).append((index, log))
        results: list[ReadResult | None] = [None] * len(paths)
        for sep, logs in by_sep.items():
            tables = read_table_files([log for _, log in logs], sep)
            for (index, log), table in zip(logs, tables, strict=True):
                if table is not None:
                    results[index] = self._result(log, table)
        return results

    @staticmethod
    def _result(log: Path, table: TableResult) -> ReadResult:
        """The run's result from its log's ``table`` and the ``hparams.yaml`` beside it."""
        hparams, yaml_issues = yaml_params(log.parent / HPARAMS)
        files = (log, log.parent / HPARAMS) if hparams or yaml_issues else (log,)
        result = ReadResult(
            points=table.points,
            params={**table.params, **hparams},
            resumed=table.resumed,
            issues=tuple(table.issues + yaml_issues),
            pending=tuple(table.pending),
            started=started_at(table.first_wall_time, (log,)),
            files=files,
        )
        return _with_events(log, result) if log.name in LOG_NAMES else result

    @staticmethod
    def _log_file(path: Path) -> Path:
        """``path`` itself for a file run, else the first of :data:`LOG_NAMES` in the folder."""
        if not path.is_dir():
            return path
        for name in LOG_NAMES:
            if (path / name).exists():
                return path / name
        raise ReadError(path, f"no {', '.join(LOG_NAMES)} in this folder")


def _with_events(log: Path, result: ReadResult) -> ReadResult:
    """``result`` with the tags and ``add_hparams`` values of the event files beside ``log``
    that the CSV and ``hparams.yaml`` lack (module docstring); unchanged without events."""
    try:
        if not any(is_event_file(name) for name in os.listdir(log.parent)):
            return result
        events = TensorBoardReader().read(log.parent)
    except ReadError as exc:
        return replace(result, issues=(*result.issues, Issue(exc.path, exc.message)))
    known = set(result.points.get_column("metric").unique().to_list())
    extra = events.points.filter(~pl.col("metric").is_in(known))
    points = pl.concat([result.points, extra]).sort("metric", "step", maintain_order=True)
    return replace(
        result,
        points=points,
        params={**result.params, **new_hparams(dict(result.params), dict(events.params))},
        issues=(*result.issues, *events.issues),
        files=(*result.files, *(f for f in events.files if f not in result.files)),
    )
