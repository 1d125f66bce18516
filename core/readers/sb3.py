"""Stable-Baselines3 log folders: ``progress.csv`` plus the ``Monitor`` episode files.

A run is a folder holding ``progress.csv`` (SB3's ``configure(folder, ["csv", ...])``) or
``*monitor.csv`` files. ``progress.csv`` is the run's source, read as text and cast like
every CSV log (exact decimals; step ``time/total_timesteps``); the event file and
``progress.json`` that SB3 writes beside it hold the same values (the events as float32)
and are not read, except when ``progress.csv`` has no rows (0 bytes: SB3 dumps only every
``log_interval``), then the events are the source and an Issue says so.

Monitor files in the folder and in its sub-folders holding them (``monitors/``) add
episode metrics (:mod:`curvelens.core.readers.monitor`): ``monitor/r``, ``monitor/l``,
``monitor/t`` for one file, ``<stem>/r`` ... (``0.monitor/r``) for several. Other
sub-folders (``PPO_1/`` TensorBoard runs of ``tensorboard_log``) are runs of their own.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.csvlog import describe_columns, read_table_file, started_at
from curvelens.core.readers.monitor import Episodes, is_monitor, read_monitor
from curvelens.core.readers.table import TableResult
from curvelens.core.readers.tablebatch import read_table_files
from curvelens.core.readers.tensorboard import TensorBoardReader, is_event_file
from curvelens.core.readers.textfile import utc_datetime
from curvelens.core.schema import POINTS, Issue

PROGRESS = "progress.csv"


def _listing(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def monitor_files(folder: Path, entry_names: frozenset[str] | None = None) -> list[Path]:
    """The run's Monitor files: in ``folder`` and in its sub-folders that hold some."""
    names = sorted(entry_names) if entry_names is not None else _listing(folder)
    found = [folder / name for name in names if is_monitor(name)]
    for name in names:
        sub = folder / name
        if not is_monitor(name) and sub.is_dir():
            found.extend(sub / inner for inner in _listing(sub) if is_monitor(inner))
    return [path for path in found if path.is_file()]


def _prefixes(files: list[Path], folder: Path) -> list[str]:
    """``monitor`` for one file, else each file's stem (its relative path if stems clash)."""
    if len(files) == 1:
        return ["monitor"]
    stems = [path.name[: -len(".csv")] for path in files]
    if len(set(stems)) == len(stems):
        return stems
    return [path.relative_to(folder).as_posix()[: -len(".csv")] for path in files]


class Sb3Reader(Reader):
    """SB3 ``progress.csv`` runs with their Monitor files."""

    name = "sb3"
    file_patterns = (PROGRESS, "*monitor.csv")

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """A folder with ``progress.csv`` or a ``*monitor.csv``."""
        return PROGRESS in entry_names or any(is_monitor(name) for name in entry_names)

    def nested_runs(self, folder: Path, entry_names: frozenset[str]) -> frozenset[str]:
        """Sub-folders but those holding Monitor files (read as part of this run)."""
        return frozenset(
            name
            for name in entry_names
            if not any(is_monitor(inner) for inner in _listing(folder / name))
        )

    def describe(self, path: Path) -> Description:
        """Metric names from the progress header and the Monitor headers."""
        metrics = set(describe_columns(path / PROGRESS)) if self._has_progress(path) else set()
        files = monitor_files(path) if path.is_dir() else [path]
        for prefix in _prefixes(files, path):
            metrics.update(f"{prefix}/{name}" for name in ("r", "l", "t"))
        return Description(metrics=tuple(sorted(metrics)))

    def read(self, path: Path) -> ReadResult:
        """The progress log and the Monitor files of the run (see the module docstring)."""
        if not path.is_dir():
            if is_monitor(path.name):
                return _combine(path.parent, None, [path])
            return _combine(path.parent, read_table_file(path), [], progress=path)
        table = read_table_file(path / PROGRESS) if self._has_progress(path) else None
        return _combine(path, table, monitor_files(path))

    def read_metrics(self, path: Path, metrics: frozenset[str]) -> ReadResult:
        """:meth:`read` with the points of ``metrics`` only: the progress log parses only
        their columns (:mod:`curvelens.core.readers.csvstream`), Monitor files are small."""
        if not path.is_dir() or not self._has_progress(path):
            return super().read_metrics(path, metrics)
        table = read_table_file(path / PROGRESS, metrics)
        result = _combine(path, table, monitor_files(path))
        return replace(result, points=result.points.filter(pl.col("metric").is_in(metrics)))

    def read_many(self, paths: Sequence[Path]) -> list[ReadResult | None]:
        """:meth:`read` with the progress logs batched (:func:`read_table_files`)."""
        folders = [(i, p) for i, p in enumerate(paths) if p.is_dir() and self._has_progress(p)]
        tables = read_table_files([p / PROGRESS for _, p in folders], ",")
        results: list[ReadResult | None] = [None] * len(paths)
        for (index, folder), table in zip(folders, tables, strict=True):
            if table is not None:
                results[index] = _combine(folder, table, monitor_files(folder))
        return results

    @staticmethod
    def _has_progress(path: Path) -> bool:
        return path.is_dir() and (path / PROGRESS).is_file()


def _combine(
    folder: Path, table: TableResult | None, monitors: list[Path], progress: Path | None = None
) -> ReadResult:
    """The run's result from its progress ``table`` (None: no progress.csv) and Monitors."""
    progress = progress or folder / PROGRESS
    parts: list[pl.DataFrame] = []
    issues: list[Issue] = []
    pending: list[Issue] = []
    params: dict[str, ParamValue] = {}
    resumed = False
    files: list[Path] = []
    first_wall: float | None = None
    if table is not None:
        files.append(progress)
        issues.extend(table.issues)
        pending.extend(table.pending)
        params.update(table.params)
        resumed = table.resumed
        first_wall = table.first_wall_time
        parts.append(table.points)
        if not table.points.height:
            parts.append(_events_instead(folder, issues, files))
    episodes = _episodes(folder, monitors, issues)
    for found in episodes:
        parts.append(found.points)
        params.update(found.params)
        pending.extend(found.pending)
        issues.extend(found.issues)
    files.extend(monitors)
    if not files:
        raise ReadError(folder, f"no {PROGRESS} or *monitor.csv in this folder")
    starts = [e.t_start for e in episodes if e.t_start is not None]
    points = pl.concat(parts).sort(["metric", "step"], maintain_order=True) if parts else None
    return ReadResult(
        points=points if points is not None else pl.DataFrame(schema=POINTS),
        params=params,
        resumed=resumed,
        issues=tuple(issues),
        pending=tuple(pending),
        started=_started(first_wall, starts, tuple(files)),
        files=tuple(files),
    )


def _episodes(folder: Path, monitors: list[Path], issues: list[Issue]) -> list[Episodes]:
    found = []
    for path, prefix in zip(monitors, _prefixes(monitors, folder), strict=True):
        try:
            found.append(read_monitor(path, prefix))
        except ReadError as exc:
            issues.append(Issue(path, exc.message))
    return found


def _events_instead(folder: Path, issues: list[Issue], files: list[Path]) -> pl.DataFrame:
    """The points of the folder's event files when ``progress.csv`` has none."""
    if not any(is_event_file(name) for name in _listing(folder)):
        return pl.DataFrame(schema=POINTS)
    try:
        events = TensorBoardReader().read(folder)
    except ReadError as exc:
        issues.append(Issue(exc.path, exc.message))
        return pl.DataFrame(schema=POINTS)
    issues.append(Issue(folder / PROGRESS, "no rows: values read from the event file instead"))
    issues.extend(events.issues)
    files.extend(events.files)
    return events.points


def _started(
    first_wall: float | None, starts: list[float], files: tuple[Path, ...]
) -> datetime | None:
    if first_wall is None and starts:
        return utc_datetime(min(starts))
    return started_at(first_wall, files)
