"""A CSV log whose header the csv module refuses is an error naming the file, not a crash."""

from __future__ import annotations

from pathlib import Path

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.readers.csvlog import CsvReader


def test_a_stray_carriage_return_in_the_header_is_reported_by_file(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "metrics.csv").write_bytes(b"step,lo\rss\n0,1\n1,2\n")
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "metrics.csv").write_bytes(b"step,loss\n0,1\n1,2\n")
    runs = {run.ref.id: run for run in load_runs(discover([tmp_path]).runs)}
    assert runs["good"].error is None and runs["good"].points.height == 2
    error = str(runs["bad"].error)
    assert error.startswith(f"{tmp_path / 'bad' / 'metrics.csv'}: header not readable")
    assert "unexpected" not in error
    assert CsvReader().describe(tmp_path / "bad").metrics == ()
