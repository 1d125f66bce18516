"""Hydra job folders: saved config and overrides as params of the run in them, sweeps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.params import flatten_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hydra"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def test_config_overrides_and_swept_keys_as_hydra_reads_them() -> None:
    runs = {run.ref.id: run for run in load_runs(discover([FIXTURES]).runs)}
    jobs = {k: v for k, v in EXPECTED.items() if k != "swept"}
    assert sorted(runs) == sorted(jobs)  # the sweep: one run per job folder
    for job, expected in jobs.items():
        params = runs[job].params
        for key, value in flatten_config(expected["config"]).items():
            assert params[key] == value, (job, key)
        for key, value in expected["overrides"].items():
            assert params[f"hydra.overrides.{key}"] == str(value)
        swept = sorted(k.removeprefix("hydra.sweep.") for k in params if "hydra.sweep." in k)
        assert swept == (EXPECTED["swept"] if job.startswith("multirun") else [])
        assert runs[job].points.height == 3  # the metrics.csv beside .hydra


def test_broken_hydra_files_are_issues_and_the_run_loads(tmp_path: Path) -> None:
    job = tmp_path / "job"
    shutil.copytree(FIXTURES / "multirun" / "sweep" / "0", job)
    (job / ".hydra" / "config.yaml").write_text("lr: [0.1\n")  # truncated
    (job / ".hydra" / "overrides.yaml").write_text("lr: 3\n")  # wrong type
    (run,) = load_runs(discover([job]).runs)
    assert run.error is None and run.points.height == 3
    messages = [issue.message for issue in run.issues]
    assert any("YAML not loaded" in m for m in messages)
    assert any("not a YAML list of overrides" in m for m in messages)
    assert not any(key.startswith("hydra.") for key in run.params)


def test_runs_below_a_hydra_job_folder_get_its_params(tmp_path: Path) -> None:
    job = tmp_path / "job"
    shutil.copytree(FIXTURES / "outputs" / "single", job)
    (job / "metrics.csv").rename(job / "kept.txt")
    (job / "lightning_logs" / "version_0").mkdir(parents=True)
    (job / "lightning_logs" / "version_0" / "metrics.csv").write_text("step,loss\n1,0.5\n")
    (run,) = load_runs(discover([tmp_path]).runs)
    assert run.params["model.depth"] == 4 and run.params["hydra.overrides.model.depth"] == "4"
