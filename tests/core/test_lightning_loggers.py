"""Lightning's CSVLogger and TensorBoardLogger in one version folder: one run, the CSV's values."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.params import flatten_config
from curvelens.core.readers.csvlog import CsvReader

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lightning"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def _csv_series(column: str) -> list[tuple[float, float]]:
    """(step, value) of a metrics.csv column as pandas read it, the last row per step."""
    by_step: dict[float, float] = {}
    for step, value in zip(EXPECTED["columns"]["step"], EXPECTED["columns"][column], strict=True):
        if value is not None:
            by_step[float(step)] = float(value)
    return sorted(by_step.items())


def test_both_loggers_give_one_run_with_the_csv_values_and_hparams() -> None:
    (ref,) = discover([FIXTURES]).runs
    assert ref.id == EXPECTED["run"] and ref.format == "csv"
    (run,) = load_runs([ref])
    assert run.error is None and run.issues == ()
    columns = [name for name in EXPECTED["columns"] if name != "step"]
    metrics = set(run.points.get_column("metric").to_list())
    assert metrics == {*columns, "hp_metric"}  # hp_metric: only in the events file
    for column in columns:
        got = run.points.filter(pl.col("metric") == column).select("step", "value").rows()
        assert got == _csv_series(column)
    assert dict(run.params) == flatten_config(EXPECTED["hparams"])
    read = CsvReader().read(ref.path)
    assert any(path.name.startswith("events.") for path in read.files)  # its mtime counts


def test_add_hparams_values_are_not_a_second_copy_of_hparams_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "version_0"
    folder.mkdir()
    for path in (FIXTURES / "lit" / "version_0").iterdir():
        if path.name != "metrics.csv":  # the TensorBoardLogger alone
            (folder / path.name).write_bytes(path.read_bytes())
    (run,) = load_runs(discover([folder]).runs)
    assert run.ref.format == "tensorboard" and run.error is None
    assert dict(run.params) == flatten_config(EXPECTED["hparams"])


def test_an_add_hparams_folder_beside_both_logs_is_part_of_the_run(tmp_path: Path) -> None:
    folder = tmp_path / "version_0"
    shutil.copytree(FIXTURES / "lit" / "version_0", folder)
    events = next(path for path in folder.iterdir() if path.name.startswith("events."))
    (folder / "1700000000.5").mkdir()  # where SummaryWriter.add_hparams writes its own file
    shutil.copy(events, folder / "1700000000.5" / events.name)
    refs = discover([tmp_path]).runs
    assert [ref.id for ref in refs] == ["version_0"]


def test_event_only_tags_as_tensorboard_reads_them() -> None:
    accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    ).EventAccumulator(str(FIXTURES / "lit" / "version_0"))
    accumulator.Reload()
    (run,) = load_runs(discover([FIXTURES]).runs)
    csv_columns = set(EXPECTED["columns"])
    only_events = set(accumulator.Tags()["scalars"]) - csv_columns
    assert only_events == {"hp_metric"}
    for tag in only_events:
        expected = [(float(e.step), float(e.value)) for e in accumulator.Scalars(tag)]
        got = run.points.filter(pl.col("metric") == tag).select("step", "value").rows()
        assert got == expected
