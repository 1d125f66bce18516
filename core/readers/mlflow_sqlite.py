"""MLflow SQLite stores (``mlflow.db``, MLflow 3's default tracking URI): one run per store row.

Discovery: in any folder (run folders too: a store is never part of a run, ``Reader.stores``),
every SQLite file named ``*.db``/``*.sqlite``
holding MLflow's ``runs``, ``experiments`` and ``metrics`` tables gives one run per active
run, as the path ``<store>/<run_uuid>`` (``lab/mlflow.db/3f2a...``). Deleted runs and the
runs of deleted experiments are hidden, as in MLflow. A file named ``mlflow.db`` that cannot
be listed is still a run, so its problem is reported, never skipped; a store given directly
is reported as such (give the folder holding it).

Reading (:mod:`curvelens.core.readers.sqlitedb`: read-only, nothing created beside the
store): metric history in insertion order (last write per step wins), ``wall_time`` the
timestamp in seconds; ``is_nan`` rows are NaN and MLflow's stand-ins for infinity (the
largest float, which its own client returns) are ±inf. Params, tags, experiment and run
name as the file store gives them (:func:`~curvelens.core.readers.mlflow.mlflow_params`);
status FINISHED -> finished, FAILED/KILLED -> failed, else unknown (loading decides).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.readers.base import Description, Reader, ReadError, ReadResult
from curvelens.core.readers.mlflow import RUN_NAME_TAG, mlflow_params
from curvelens.core.readers.points import dedupe_points
from curvelens.core.readers.sqlitedb import (
    SQLITE_SUFFIXES,
    fetch_rows,
    is_sqlite,
    query,
    tables,
)
from curvelens.core.readers.textfile import utc_datetime
from curvelens.core.schema import POINTS, Issue

STORE_NAME = "mlflow.db"
_TABLES = frozenset({"runs", "experiments", "metrics", "params", "tags"})
_STATUS = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "failed"}
_MAX = sys.float_info.max
_RUNS_SQL = """
SELECT r.run_uuid, r.name, r.status, r.start_time, e.name FROM runs r
LEFT JOIN experiments e ON e.experiment_id = r.experiment_id
WHERE r.lifecycle_stage IS NOT 'deleted' AND e.lifecycle_stage IS NOT 'deleted'
"""


@dataclass(frozen=True)
class _Run:
    """One run row of a store with its params and tags."""

    run_id: str
    name: str | None
    status: str | None
    start_ms: int | None
    experiment: str | None
    params: dict[str, ParamValue]
    tags: dict[str, ParamValue]


def run_ids(path: Path) -> list[str]:
    """The ids of the active runs of the MLflow store ``path``, sorted; ReadError when it is
    not a readable MLflow store."""
    if not is_sqlite(path):
        raise ReadError(path, "not a SQLite database (empty, truncated or another file)")

    def read(db: sqlite3.Connection) -> list[str]:
        _check(db, path)
        return sorted(str(row[0]) for row in db.execute(_RUNS_SQL))

    return query(path, read)


def _check(db: sqlite3.Connection, store: Path) -> None:
    missing = _TABLES - tables(db)
    if missing:
        raise ReadError(store, f"not an MLflow store (no {', '.join(sorted(missing))} table)")


def _runs(db: sqlite3.Connection, store: Path, wanted: Sequence[str]) -> dict[str, _Run]:
    """The active runs among ``wanted``, with params and tags."""
    _check(db, store)
    keep = set(wanted)
    rows = [row for row in db.execute(_RUNS_SQL) if row[0] in keep]
    values: dict[str, tuple[dict[str, ParamValue], dict[str, ParamValue]]] = {
        str(row[0]): ({}, {}) for row in rows
    }
    for index, table in enumerate(("params", "tags")):
        for run_id, key, value in db.execute(f"SELECT run_uuid, key, value FROM {table}"):
            if run_id in values:
                values[run_id][index][str(key)] = None if value is None else str(value)
    return {str(r[0]): _Run(str(r[0]), r[1], r[2], r[3], r[4], *values[str(r[0])]) for r in rows}


def _points(
    db: sqlite3.Connection, wanted: Sequence[str]
) -> tuple[dict[str, pl.DataFrame], str | None]:
    """Metric rows per run in insertion (rowid) order, and why reading stopped early (the
    time budget) if it did."""
    sql = "SELECT run_uuid, key, step, value, is_nan, timestamp FROM metrics"
    if len(wanted) == 1:
        rows, stopped = fetch_rows(db, f"{sql} WHERE run_uuid = ? ORDER BY rowid", (wanted[0],))
    else:
        rows, stopped = fetch_rows(db, f"{sql} ORDER BY rowid")
    schema = {
        "run": pl.String(),
        "metric": pl.String(),
        "step": pl.Float64(),
        "raw": pl.Float64(),
        "is_nan": pl.Int64(),
        "ms": pl.Float64(),
    }
    frame = pl.DataFrame(rows, schema=schema, orient="row", strict=False)
    value = (
        pl.when(pl.col("is_nan") == 1)
        .then(float("nan"))
        .when(pl.col("raw") >= _MAX)
        .then(float("inf"))
        .when(pl.col("raw") <= -_MAX)
        .then(float("-inf"))
        .otherwise(pl.col("raw"))
    )
    frame = frame.select(
        "run", "metric", "step", value.alias("value"), (pl.col("ms") / 1000.0).alias("wall_time")
    ).cast({name: dtype for name, dtype in POINTS.items()})
    keep = set(wanted)
    parts = frame.partition_by("run", as_dict=True, maintain_order=True).items()
    return {str(key[0]): part.drop("run") for key, part in parts if key[0] in keep}, stopped


def _result(store: Path, run: _Run, points: pl.DataFrame | None, stopped: str | None) -> ReadResult:
    frame, resumed = dedupe_points(points if points is not None else pl.DataFrame(schema=POINTS))
    params = mlflow_params(run.params, run.tags, run.experiment, run.name)
    started = None
    if isinstance(run.start_ms, int) and run.start_ms > 0:
        started = utc_datetime(run.start_ms / 1000.0)
    name = params.get(RUN_NAME_TAG)
    return ReadResult(
        points=frame,
        params=params,
        resumed=resumed,
        status=_STATUS.get(run.status or "", "unknown"),
        started=started,
        files=(store,),
        name=name if isinstance(name, str) else None,
        issues=(Issue(store, f"metric rows {stopped}"),) if stopped else (),
    )


def read_store(store: Path, wanted: Sequence[str]) -> dict[str, ReadResult]:
    """The runs ``wanted`` of one store, read in one read-only connection; a run that is
    not in the store (deleted meanwhile) is absent from the result."""

    def read(db: sqlite3.Connection) -> dict[str, ReadResult]:
        runs = _runs(db, store, wanted)
        points, stopped = _points(db, list(runs)) if runs else ({}, None)
        return {
            run_id: _result(store, run, points.get(run_id), stopped) for run_id, run in runs.items()
        }

    return query(store, read)


class MlflowSqliteReader(Reader):
    """Runs of MLflow SQLite stores; a run's path is ``<store>/<run_uuid>``."""

    name = "mlflow-sqlite"
    file_patterns = (STORE_NAME,)
    stores = True

    def detect(self, folder: Path, entry_names: frozenset[str]) -> bool:
        """Never a folder run: the runs are rows of a store file (:meth:`file_runs`)."""
        return False

    def file_runs(self, folder: Path, entry_names: frozenset[str]) -> list[str]:
        """``<store>/<run_uuid>`` for every active run of every MLflow store in ``folder``;
        an unlistable ``mlflow.db`` is listed itself so its problem is reported."""
        found: list[str] = []
        for name in sorted(entry_names):
            if not name.lower().endswith(SQLITE_SUFFIXES):
                continue
            named = name == STORE_NAME
            if not (folder / name).is_file() or not (named or is_sqlite(folder / name)):
                continue
            try:
                found.extend(f"{name}/{run_id}" for run_id in run_ids(folder / name))
            except ReadError:
                if named:
                    found.append(name)
        return found

    def describe(self, path: Path) -> Description:
        """Metric keys and params of the run (a small read of one store)."""
        result = self.read(path)
        metrics = tuple(sorted(set(result.points.get_column("metric").to_list())))
        return Description(metrics=metrics, params=result.params)

    def read(self, path: Path) -> ReadResult:
        """The run ``<store>/<run_uuid>``; ReadError for a store itself or a missing run."""
        store, run_id = _split(path)
        found = read_store(store, [run_id]).get(run_id)
        if found is None:
            raise ReadError(path, "run not in the MLflow store (deleted?)")
        return found

    def read_many(self, paths: Sequence[Path]) -> list[ReadResult | None]:
        """Every run of one store in one read-only connection."""
        by_store: dict[Path, list[tuple[int, str]]] = {}
        for index, path in enumerate(paths):
            if path.parent.is_file():
                by_store.setdefault(path.parent, []).append((index, path.name))
        results: list[ReadResult | None] = [None] * len(paths)
        for store, runs in by_store.items():
            try:
                found = read_store(store, [run_id for _, run_id in runs])
            except ReadError:
                continue  # read() reports it run by run
            for index, run_id in runs:
                results[index] = found.get(run_id)
        return results


def _split(path: Path) -> tuple[Path, str]:
    """(store file, run id) of a run path; ReadError when ``path`` is not one."""
    if path.parent.is_file():
        return path.parent, path.name
    if path.is_file():
        count = len(run_ids(path))
        raise ReadError(
            path, f"an MLflow store of {count} runs: give the folder holding it to see them"
        )
    raise ReadError(path, "no such MLflow store run")
