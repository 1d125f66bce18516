"""The MLflow file-store reader: metric lines, slash keys, params, status, deleted runs."""

from __future__ import annotations

import math
import os
from pathlib import Path

import polars as pl

from curvelens.core.readers.mlflow import MlflowReader

REAL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "real" / "mlflow"
READER = MlflowReader()


def _run(root: Path, meta: str, metrics: dict[str, str], params: dict[str, str]) -> Path:
    (root / "meta.yaml").parent.mkdir(parents=True, exist_ok=True)
    (root.parent / "meta.yaml").write_text("experiment_id: '7'\nname: my-exp\n")
    (root / "meta.yaml").write_text(meta)
    for folder, files in (("metrics", metrics), ("params", params)):
        for key, text in files.items():
            (root / folder / key).parent.mkdir(parents=True, exist_ok=True)
            (root / folder / key).write_text(text)
    return root


def _detect(folder: Path) -> bool:
    return READER.detect(folder, frozenset(os.listdir(folder)))


def test_two_three_and_five_field_lines_and_partial_tail(tmp_path: Path) -> None:
    run = _run(
        tmp_path / "7" / "abc",
        "status: 3\nstart_time: 1700000000000\nrun_name: brave-cat\nlifecycle_stage: active\n",
        {
            "old": "1700000001000 0.5\n",
            "train/loss": "1700000001000 2.0 0\n1700000002000 nan 1\n1700000003000 1.0 2\n1700",
            "eval_acc": "1700000004000 1e-05 10 ds 1a2b\nnot a line\n",
        },
        {"lr": "0.001", "opt/name": "adam"},
    )
    out = READER.read(run)
    rows = out.points.filter(pl.col("metric") == "train/loss").rows()
    assert [(s, w) for _, s, _, w in rows] == [
        (0.0, 1700000001.0),
        (1.0, 1700000002.0),
        (2.0, 1700000003.0),
    ]
    assert math.isnan(rows[1][2])
    assert out.points.filter(pl.col("metric") == "old").select("step", "value").rows() == [
        (0.0, 0.5)
    ]
    assert out.points.filter(pl.col("metric") == "eval_acc").select("value").item() == 1e-05
    assert [(i.path.name, i.line) for i in out.issues] == [("eval_acc", 2)]
    assert out.params == {
        "lr": "0.001",
        "opt/name": "adam",
        "mlflow.experiment": "my-exp",
        "mlflow.runName": "brave-cat",
    }
    assert out.status == "finished"
    assert out.started is not None and out.started.timestamp() == 1700000000.0


def test_repeated_steps_last_write_wins_and_resume(tmp_path: Path) -> None:
    run = _run(
        tmp_path / "0" / "r",
        "status: 1\n",
        {"loss": "1000 3.0 0\n2000 2.0 1\n3000 2.5 1\n4000 1.0 2\n5000 9.0 0\n"},
        {},
    )
    out = READER.read(run)
    assert out.points.select("step", "value").rows() == [(0.0, 9.0), (1.0, 2.5), (2.0, 1.0)]
    assert out.resumed
    assert out.status == "unknown"  # RUNNING: loading decides from the file times


def test_status_codes_and_tag_run_name(tmp_path: Path) -> None:
    for code, expected in ((4, "failed"), (5, "failed"), (2, "unknown")):
        run = _run(tmp_path / "0" / f"s{code}", f"status: {code}\n", {"m": "1 1 1\n"}, {})
        assert READER.read(run).status == expected
    run = tmp_path / "0" / "s4"
    (run / "tags").mkdir()
    (run / "tags" / "mlflow.runName").write_text("tagged")
    (run / "tags" / "team").write_text("vision")
    params = READER.read(run).params
    assert params["mlflow.runName"] == "tagged" and params["tags.team"] == "vision"


def test_deleted_trash_and_experiment_folders_are_not_runs(tmp_path: Path) -> None:
    live = _run(tmp_path / "1" / "a", "lifecycle_stage: active\n", {"m": "1 1 1\n"}, {})
    gone = _run(tmp_path / "1" / "b", "lifecycle_stage: deleted\n", {"m": "1 1 1\n"}, {})
    trash = _run(tmp_path / ".trash" / "2" / "c", "status: 3\n", {"m": "1 1 1\n"}, {})
    assert _detect(live)
    assert not _detect(gone) and not _detect(trash) and not _detect(tmp_path / "1")


def test_real_stores() -> None:
    store = REAL / "1010sb__ImageClass" / "mlruns" / "586757370402886605"
    runs = sorted(p.name for p in store.iterdir() if p.is_dir() and _detect(p))
    assert len(runs) == 7  # 9 run folders, 2 deleted
    out = READER.read(store / "78f1b8919f3d473087416029f6dff781")
    assert out.params["mlflow.runName"] == "salty-bear-997"
    assert out.params["mlflow.experiment"] == "Fashion_MNIST_Experiment"
    assert out.status == "finished"
    keras = next((REAL / "10-Academy-Batch-4-Week-4__Swahili-Speech-To-Text").rglob("metrics"))
    out = READER.read(keras.parent)
    assert out.points.get_column("step").to_list() == [float(s) for s in range(10)]
    first = (keras / "loss").read_text().splitlines()[0].split()
    assert out.points.row(0) == ("loss", 0.0, float(first[1]), int(first[0]) / 1000)
    assert out.params["epochs"] == "10"
    crashed = next((REAL / "10tanmay100__DEEPCNNCLASSIFIER").rglob("metrics")).parent
    assert READER.read(crashed).status == "unknown"
