"""SQLite stores: a slow query stops at the file's time budget keeping the rows read, and a
store locked by a writer is waited for once, briefly, then reported by name."""

from __future__ import annotations

import gzip
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.readers import sqlitedb, textfile
from curvelens.core.readers.mlflow_sqlite import MlflowSqliteReader, run_ids
from curvelens.core.readers.trackio import TrackioReader

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ROWS = 30_000


def _store(folder: Path) -> tuple[Path, str]:
    """The sample MLflow store with ``ROWS`` more metric rows for one run, and that run."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mlflow.db"
    path.write_bytes(gzip.decompress((FIXTURES / "mlflow_sqlite/lab/mlflow.db.gz").read_bytes()))
    run = run_ids(path)[0]
    with sqlite3.connect(path) as db:
        rows = [("long", float(i), 1_700_000_000_000 + i, run, i, 0) for i in range(ROWS)]
        db.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.close()
    return path, run


def _trackio(folder: Path) -> tuple[Path, str]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.db"
    path.write_bytes(gzip.decompress((FIXTURES / "trackio/demo.db.gz").read_bytes()))
    with sqlite3.connect(path) as db:
        names = {row[1] for row in db.execute("PRAGMA table_info(metrics)")}
        key = "run_id" if "run_id" in names else "run_name"
        (run,) = db.execute(f"SELECT {key} FROM metrics LIMIT 1").fetchone()
        (row,) = db.execute(f"SELECT * FROM metrics WHERE {key} = ? LIMIT 1", (run,)).fetchall()
        columns = [r[1] for r in db.execute("PRAGMA table_info(metrics)")]
        values = dict(zip(columns, row, strict=True))
        values.pop("id", None)
        rows = [{**values, "step": i, "metrics": f'{{"long": {i}}}'} for i in range(ROWS)]
        if "log_id" in values:
            rows = [{**row, "log_id": f"budget-{row['step']}"} for row in rows]
        names_sql = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        db.executemany(f"INSERT INTO metrics ({names_sql}) VALUES ({marks})", rows)
    db.close()
    return path, str(run)


@pytest.fixture
def tiny_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A budget spent at once; the clock is looked at every 100 rows, every 20,000 steps."""
    monkeypatch.setattr(textfile, "FILE_BUDGET_S", -1.0)
    monkeypatch.setattr(textfile, "CHECK_EVERY", 100)
    monkeypatch.setattr(sqlitedb, "CHECK_EVERY", 100)
    monkeypatch.setattr(sqlitedb, "_PROGRESS_STEPS", 20_000)


def test_a_slow_mlflow_query_keeps_the_rows_read(tmp_path: Path, tiny_budget: None) -> None:
    store, run = _store(tmp_path / "lab")
    result = MlflowSqliteReader().read(store / run)
    kept = result.points.filter(result.points.get_column("metric") == "long").height
    assert 0 < kept < ROWS
    (issue,) = result.issues
    assert issue.path == store and "metric rows after row" in issue.message
    assert "reading stopped after -1 s" in issue.message and "later rows not read" in issue.message


def test_a_slow_trackio_read_keeps_the_rows_read(
    tmp_path: Path, tiny_budget: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, run = _trackio(tmp_path / "proj")
    monkeypatch.setattr(sqlitedb, "_PROGRESS_STEPS", 10**9)  # the rows' JSON is the slow part
    result = TrackioReader().read(store / run)
    kept = result.points.filter(result.points.get_column("metric") == "long").height
    assert 0 < kept < ROWS
    assert any("reading stopped after" in issue.message for issue in result.issues)


_LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
db.execute("INSERT INTO experiments (name, lifecycle_stage) VALUES ('pending', 'active')")
print("ready", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


def _locked(store: Path) -> AbstractContextManager[None]:
    from contextlib import contextmanager

    @contextmanager
    def hold() -> Iterator[None]:
        locker = subprocess.Popen(
            [sys.executable, "-c", _LOCKER, str(store)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert locker.stdout is not None and locker.stdout.readline().strip() == "ready"
            yield
        finally:
            if locker.stdin is not None:
                locker.stdin.close()
            locker.wait(timeout=60)

    return hold()


def test_a_locked_store_is_waited_for_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = _store(tmp_path / "lab")
    (tmp_path / "lab" / "other.db").write_bytes(store.read_bytes())
    monkeypatch.setattr(sqlitedb, "_LOCKED", {})
    waits: list[Path] = []
    connect = sqlite3.connect

    def counting(*args: object, **kwargs: object) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)  # type: ignore[call-overload]
        waits.append(Path(str(args[0])))
        return connection  # type: ignore[no-any-return]

    monkeypatch.setattr(sqlitedb.sqlite3, "connect", counting)
    with _locked(store):
        before = sorted(os.listdir(tmp_path / "lab"))
        runs = load_runs(discover([tmp_path]).runs)
        assert sorted(os.listdir(tmp_path / "lab")) == before  # nothing written beside it
    opened = [path for path in waits if "mlflow.db" in str(path)]
    assert len(opened) == 1  # discovery by two readers, then loading: one wait in all
    broken = [run for run in runs if run.error is not None]
    assert broken and all(
        str(run.error).startswith(f"{store}: locked by another") for run in broken
    )
    assert any(run.error is None and run.ref.path.parent.name == "other.db" for run in runs)
