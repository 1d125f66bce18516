"""trackio local projects: ``<project>.db`` SQLite files (``~/.cache/huggingface/trackio``).

A SQLite file with trackio's ``metrics`` table (``run_name``, ``step``, ``timestamp``, and a
JSON object per row in ``metrics``) in any folder (run folders too, ``Reader.stores``) gives
one run per run (``run_id`` in current versions, ``run_name`` in old ones), as
``<project>.db/<run>``. Each number of a row's JSON is a point at its ``step``; trackio's
``"NaN"``/``"Infinity"``/``"-Infinity"`` strings are those values; ``wall_time`` is the ISO
``timestamp``. Params: the ``configs`` table's JSON (flattened), its ``_Group`` as
``trackio.group``, other ``_`` keys dropped. The store is opened strictly read-only
(:mod:`curvelens.core.readers.sqlitedb`).
A ``*.db``/``*.sqlite`` file with a SQLite header that SQLite cannot read (truncated,
damaged) is listed as a run whose error names it, since nothing tells whose store it was.
"""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from curvelens.core.params import ParamValue, flatten_config
from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.mlflow_sqlite import STORE_NAME
from curvelens.core.readers.points import PointLists, points_from
from curvelens.core.readers.sqlitedb import (
    SQLITE_SUFFIXES,
    budget_of,
    columns,
    fetch_rows,
    is_sqlite,
    query,
    tables,
)
from curvelens.core.readers.textfile import Budget, utc_datetime
from curvelens.core.schema import Issue

_NEEDED = frozenset({"run_name", "step", "metrics", "timestamp"})
_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _run_column(db: sqlite3.Connection) -> str | None:
    """``run_id`` or ``run_name`` when the database is a trackio project, else None."""
    if "metrics" not in tables(db):
        return None
    names = columns(db, "metrics")
    if not names >= _NEEDED:
        return None
    return "run_id" if "run_id" in names else "run_name"


def run_keys(path: Path) -> list[str]:
    """The runs of a trackio project file, sorted; ReadError when it is not one."""

    def read(db: sqlite3.Connection) -> list[str]:
        key = _run_column(db)
        if key is None:
            raise ReadError(path, "not a trackio project (no metrics table of its kind)")
        return sorted(str(k) for (k,) in db.execute(f"SELECT DISTINCT {key} FROM metrics"))

    return query(path, read)


def _number(value: Any) -> float | None:
    if isinstance(value, str):
        return _SPECIAL.get(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _seconds(stamp: object) -> float | None:
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _config(db: sqlite3.Connection, key: str, run: str) -> dict[str, ParamValue]:
    if "configs" not in tables(db):
        return {}
    row = db.execute(f"SELECT config FROM configs WHERE {key} = ?", (run,)).fetchone()
    try:
        config = json.loads(row[0]) if row else {}
    except ValueError:
        return {}
    if not isinstance(config, dict):
        return {}
    params = flatten_config({k: v for k, v in config.items() if not str(k).startswith("_")})
    if config.get("_Group") is not None:
        params["trackio.group"] = str(config["_Group"])
    return params


def _rows_points(
    rows: list[Any], budget: Budget, stopped: str | None
) -> tuple[PointLists, int, str | None]:
    """The points of metric rows (``run_name, step, timestamp, metrics``), how many rows
    were not JSON, and why reading stopped early (the time budget) if it did."""
    lists, bad = PointLists(), 0
    for index, (_name, step, stamp, raw) in enumerate(rows):
        if budget.due(index):
            return lists, bad, f"after row {index}: {budget.message('rows')}"
        try:
            row = json.loads(raw)
        except ValueError:
            bad += 1
            continue
        wall = _seconds(stamp)
        for metric, value in row.items() if isinstance(row, dict) else ():
            number = _number(value)
            if number is not None and isinstance(step, int):
                lists.add(str(metric), float(step), number, wall)
    return lists, bad, stopped


def read_run(store: Path, run: str) -> ReadResult:
    """One run of a project file."""

    def read(db: sqlite3.Connection) -> ReadResult:
        key = _run_column(db)
        if key is None:
            raise ReadError(store, "not a trackio project (no metrics table of its kind)")
        params = _config(db, key, run)
        sql = f"SELECT run_name, step, timestamp, metrics FROM metrics WHERE {key} = ? ORDER BY id"
        rows, stopped = fetch_rows(db, sql, (run,))
        lists, bad, stopped = _rows_points(rows, budget_of(db), stopped)
        if not rows:
            why = f"metric rows of run {run!r} {stopped}" if stopped else None
            raise ReadError(store, why or f"run {run!r} not in the trackio project")
        name = rows[0][0]
        points, resumed = points_from(lists)
        issues = [Issue(store, f"{bad} metric rows of run {name} not JSON, skipped")] if bad else []
        if stopped:
            issues.append(Issue(store, f"metric rows of run {name} {stopped}"))
        walls = [w for w in lists.wall_times if w is not None]
        started = utc_datetime(min(walls)) if walls else None
        return ReadResult(
            points=points,
            params=params,
            resumed=resumed,
            issues=tuple(issues),
            started=started,
            files=(store,),
            name=str(name),
        )

    return query(store, read)


class TrackioReader(Reader):
    """Runs of trackio's local SQLite project files; a run's path is ``<file>/<run>``."""

    name = "trackio"
    stores = True

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """Never a folder run: runs are rows of a project file (:meth:`file_runs`)."""
        return False

    def file_runs(self, folder: Path, entry_names: frozenset[str]) -> list[str]:
        """``<file>/<run>`` for every run of every trackio project file in ``folder``."""
        found: list[str] = []
        for name in sorted(entry_names):
            if name == STORE_NAME or not name.lower().endswith(SQLITE_SUFFIXES):
                continue  # mlflow.db: MLflow's reader lists and reports it
            path = folder / name
            if not (path.is_file() and is_sqlite(path)):
                continue
            try:
                if query(path, _run_column) is None:
                    continue  # another program's database (MLflow's has its own reader)
            except ReadError:
                found.append(name)  # a damaged SQLite store: listed so it is reported
                continue
            try:
                found.extend(f"{name}/{run}" for run in run_keys(path))
            except ReadError:
                found.append(name)  # trackio's, but damaged: listed so it is reported
        return found

    def describe(self, path: Path) -> Description:
        """Metric keys and params of the run (a small read of one file)."""
        result = self.read(path)
        metrics = tuple(sorted(set(result.points.get_column("metric").to_list())))
        return Description(metrics=metrics, params=result.params)

    def read(self, path: Path) -> ReadResult:
        """The run ``<file>/<run>``; for a project file itself, why its runs cannot be listed."""
        if path.is_file():
            try:
                count = len(run_keys(path))
            except ReadError as exc:
                message = f"{exc.message}; no MLflow or trackio runs can be listed from it"
                raise ReadError(path, message) from None
            raise ReadError(path, f"a trackio project of {count} runs: give its folder")
        if not path.parent.is_file():
            raise ReadError(path, "not a run of a trackio project file")
        return read_run(path.parent, path.name)
