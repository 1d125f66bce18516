"""The DVCLive and Sacred readers on small generated folders and the real fixtures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl

from curvelens.core.readers.dvclive import DvcLiveReader
from curvelens.core.readers.sacred import SacredReader

REAL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "real"
DVC, SACRED = DvcLiveReader(), SacredReader()


def _series(points: pl.DataFrame, metric: str) -> list[tuple[float, float]]:
    return points.filter(pl.col("metric") == metric).select("step", "value").rows()


def test_dvclive_nested_names_timestamps_and_step_collision(tmp_path: Path) -> None:
    plots = tmp_path / "plots" / "metrics"
    (plots / "val").mkdir(parents=True)
    (tmp_path / "metrics.json").write_text("{}")
    (plots / "val" / "loss.tsv").write_text(
        "timestamp\tstep\tloss\n1700000000000\t0\t2.0\n1700000001000\t1\tnan\n"
    )
    (plots / "epoch.tsv").write_text("step\tepoch\n0\t0\n0\t0\n5\t1\n")
    (plots / "step.tsv").write_text("step\n40\n80\n")
    (tmp_path / "params.yaml").write_text("training:\n  lr: 0.01\n")
    out = DVC.read(tmp_path)
    assert sorted(set(out.points.get_column("metric"))) == ["epoch", "val/loss"]
    loss = out.points.filter(pl.col("metric") == "val/loss").rows()
    assert [(s, w) for _, s, _, w in loss] == [(0.0, 1.7e9), (1.0, 1.7e9 + 1)]
    assert math.isnan(loss[1][2])
    assert _series(out.points, "epoch") == [(0.0, 0.0), (5.0, 1.0)]  # constant ints stay points
    assert [issue.path.name for issue in out.issues] == ["step.tsv"]
    assert out.params == {"training.lr": 0.01}
    assert DVC.detect(tmp_path, frozenset({"metrics.json", "plots", "params.yaml"}))


def test_dvclive_real_folders() -> None:
    root = REAL / "dvclive" / "ArturMakowski__Sound_event_detection_system" / "dvclive"
    out = DVC.read(root)
    tsv = (root / "plots" / "metrics" / "val" / "synth" / "loss_strong.tsv").read_text()
    rows = [line.split("\t") for line in tsv.splitlines()[1:]]
    assert _series(out.points, "val/synth/loss_strong") == [(float(s), float(v)) for s, v in rows]
    coffee = DVC.read(REAL / "dvclive" / "CoffeeMugTwo__dvc_dqn_test" / "dvclive")
    assert coffee.params["params.yaml:training.batch_size"] == 128
    assert coffee.points.height == 100


def test_sacred_metrics_config_status_and_bad_values(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text(
        json.dumps({"status": "INTERRUPTED", "start_time": "2024-01-01T00:00:00.5"})
    )
    (tmp_path / "config.json").write_text(json.dumps({"lr": 0.1, "net": {"depth": 3}}))
    (tmp_path / "metrics.json").write_text(
        '{"loss": {"steps": [0, 1, 2], "values": [1.5, NaN, {"py/object": "x"}],'
        ' "timestamps": ["2024-01-01T00:00:01", "2024-01-01T00:00:02", "2024-01-01T00:00:03"]}}'
    )
    out = SACRED.read(tmp_path)
    rows = out.points.rows()
    assert rows[0] == ("loss", 0.0, 1.5, 1704067201.0) and math.isnan(rows[1][2])
    assert len(rows) == 2 and "1 non-numeric" in out.issues[0].message
    assert out.status == "failed" and out.params == {"lr": 0.1, "net.depth": 3}
    assert out.started is not None and out.started.timestamp() == 1704067200.5


def test_sacred_real_runs() -> None:
    runs = REAL / "sacred" / "manuel-rhdt__ml-pws" / "runs"
    done, failed, empty = (SACRED.read(runs / n) for n in ("1", "3", "73"))
    assert done.status == "finished" and failed.status == "failed"
    assert _series(done.points, "training.loss")[0] == (1.0, 0.2630771433830261)
    assert done.points.height == failed.points.height == 400
    assert empty.points.height == 0 and empty.issues[0].message == "no metrics logged"
    assert done.params["epochs"] == 400
