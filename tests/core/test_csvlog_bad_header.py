"""A CSV log whose header the csv module refuses is an error naming the file, not a crash."""

from __future__ import annotations

from pathlib import Path

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.readers.csvlog import CsvReader
from curvelens.core.readers.textfile import utc_datetime


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


def test_a_wall_time_no_datetime_can_hold_falls_back_to_the_file_time(tmp_path: Path) -> None:
    (tmp_path / "far").mkdir()
    log = tmp_path / "far" / "metrics.csv"
    log.write_bytes(b"step,wall_time,loss\n0,9999999999999999999999999,1.5\n1,1e26,2.5\n")
    (run,) = load_runs(discover([tmp_path]).runs)
    assert run.error is None
    assert run.points.get_column("value").to_list() == [1.5, 2.5]
    assert run.started is not None
    assert abs(run.started.timestamp() - log.stat().st_mtime) < 1e-3  # microsecond rounding
    assert utc_datetime(float("nan")) is None and utc_datetime(1e300) is None
    assert utc_datetime(0.0) is not None and utc_datetime(0.0).year == 1970  # type: ignore[union-attr]
