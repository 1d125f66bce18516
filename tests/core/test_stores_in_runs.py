"""MLflow and trackio SQLite stores found wherever they lie, run folders included; bad ones."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from contextlib import closing
from pathlib import Path

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MLFLOW_RUNS = 3  # active runs of mlflow_sqlite/lab/mlflow.db
TRACKIO_RUNS = 2  # runs of trackio/demo.db


def _unzip(packed: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.decompress(packed.read_bytes()))
    return target


def _tree(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file and folder below ``root`` with (size, mtime, sha1): a file that came and
    went changes its folder's mtime, so this catches it too."""
    found = {}
    for path in sorted([root, *root.rglob("*")]):
        info = path.stat()
        digest = hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[path.relative_to(root).as_posix()] = (info.st_size, info.st_mtime_ns, digest)
    return found


def _runs_with_stores(root: Path) -> Path:
    """A Hydra-like job folder (a CSV run) holding ``mlflow.db``, a TensorBoard run with a
    trackio project two folders down, and a plain CSV run."""
    job = root / "outputs" / "job"
    job.mkdir(parents=True)
    (job / "metrics.csv").write_text("step,loss\n0,1.0\n1,0.5\n")
    _unzip(FIXTURES / "mlflow_sqlite" / "lab" / "mlflow.db.gz", job / "mlflow.db")
    tb = root / "lit"
    shutil.copytree(FIXTURES / "lightning" / "lit" / "version_0", tb)
    _unzip(FIXTURES / "trackio" / "demo.db.gz", tb / "cache" / "trackio" / "demo.db")
    (root / "plain").mkdir()
    (root / "plain" / "metrics.csv").write_text("step,acc\n0,0.1\n")
    return root


def test_stores_inside_run_folders_are_found_once_and_nothing_is_written(tmp_path: Path) -> None:
    root = _runs_with_stores(tmp_path / "exp")
    before = _tree(root)
    refs = discover([root, root / "outputs", root / "lit"]).runs  # overlapping paths
    counts = Counter(ref.format for ref in refs)
    assert counts == {"csv": 3, "mlflow-sqlite": MLFLOW_RUNS, "trackio": TRACKIO_RUNS}
    assert len({ref.path for ref in refs}) == len(refs)
    runs = load_runs(refs)
    assert all(run.error is None for run in runs)
    job = next(run for run in runs if run.ref.id == "outputs/job")
    assert set(job.points.get_column("metric").to_list()) == {"loss"}  # not the store's
    assert _tree(root) == before


def _bad_stores(root: Path) -> dict[str, Path]:
    """Damaged stores, each inside a CSV run folder of its own."""
    good = gzip.decompress((FIXTURES / "mlflow_sqlite" / "lab" / "mlflow.db.gz").read_bytes())
    project = gzip.decompress((FIXTURES / "trackio" / "demo.db.gz").read_bytes())
    cases = {
        "empty/mlflow.db": b"",
        "garbage/mlflow.db": bytes(range(256)) * 40,
        "truncated/mlflow.db": good[: len(good) // 3],
        "trackio-cut/project.db": project[: len(project) // 4],
        "trackio-bad-page/project.db": project[:100] + b"\xff" * (len(project) - 100),
    }
    paths = {}
    for name, data in cases.items():
        path = root / name
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        (path.parent / "metrics.csv").write_text("step,loss\n0,2.0\n")
        paths[name] = path
    wrong = root / "wrong-schema" / "mlflow.db"
    wrong.parent.mkdir()
    with closing(sqlite3.connect(wrong)) as other, other:
        other.execute("CREATE TABLE runs (id)")
    (wrong.parent / "metrics.csv").write_text("step,loss\n0,2.0\n")
    paths["wrong-schema/mlflow.db"] = wrong
    return paths


def test_bad_stores_in_run_folders_are_reported_and_the_runs_still_load(tmp_path: Path) -> None:
    paths = _bad_stores(tmp_path)
    before = _tree(tmp_path)
    runs = load_runs(discover([tmp_path]).runs)
    csv_runs = [run for run in runs if run.ref.format == "csv"]
    assert len(csv_runs) == len(paths) and all(run.error is None for run in csv_runs)
    errors = {run.ref.path: run.error for run in runs if run.error is not None}
    assert set(errors) == set(paths.values())
    for path, error in errors.items():
        assert str(error).startswith(f"{path}: ")
    assert "not a SQLite database" in str(errors[paths["empty/mlflow.db"]])
    assert "not an MLflow store (no experiments, metrics" in str(
        errors[paths["wrong-schema/mlflow.db"]]
    )
    assert _tree(tmp_path) == before


_LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
db.execute("INSERT INTO experiments (name, lifecycle_stage) VALUES ('pending', 'active')")
print("ready", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


def test_a_locked_store_is_reported_by_name_and_nothing_is_written(tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    (job / "metrics.csv").write_text("step,loss\n0,1.0\n")
    store = _unzip(FIXTURES / "mlflow_sqlite" / "lab" / "mlflow.db.gz", job / "mlflow.db")
    locker = subprocess.Popen(
        [sys.executable, "-c", _LOCKER, str(store)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "ready"
        assert "mlflow.db-journal" in os.listdir(job)  # the writer's, not ours
        before = _tree(tmp_path)
        runs = load_runs(discover([tmp_path]).runs)
        assert _tree(tmp_path) == before
    finally:
        if locker.stdin is not None:
            locker.stdin.close()
        locker.wait(timeout=60)
    (csv_run,) = [run for run in runs if run.ref.format == "csv"]
    assert csv_run.error is None
    stored = [run for run in runs if run.ref.format == "mlflow-sqlite"]
    assert stored and all(str(run.error).startswith(f"{store}") for run in stored)
    assert all("locked" in str(run.error) for run in stored)


def test_a_runs_own_file_folders_are_not_searched_for_stores(tmp_path: Path) -> None:
    out = tmp_path / "hf_out"
    (out / "checkpoint-10").mkdir(parents=True)
    (out / "trainer_state.json").write_text('{"log_history": [{"step": 1, "loss": 0.5}]}')
    packed = FIXTURES / "mlflow_sqlite" / "lab" / "mlflow.db.gz"
    _unzip(packed, out / "mlflow.db")  # where MLflowCallback's sqlite URI puts it
    _unzip(packed, out / "checkpoint-10" / "mlflow.db")  # inside the Trainer's own files
    stores = {ref.path.parent for ref in discover([tmp_path]).runs if ref.format != "hf_trainer"}
    assert stores == {out / "mlflow.db"}
