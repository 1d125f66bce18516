"""Keras CSVLogger and SB3 Monitor files are streamed: a crash's hole (a sparse file of NUL
bytes) costs its line, with a warning naming it, and the rows before it load."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.readers import bounded, textfile


@pytest.mark.parametrize(
    ("name", "text", "metric", "kept"),
    [
        ("training.log", "epoch,loss\n0,1.0\n1,0.5\n", "loss", [1.0, 0.5]),
        (
            "0.monitor.csv",
            '#{"t_start": 1.0}\nr,l,t\n1.0,10,0.5\n2.0,12,0.9\n',
            "monitor/r",
            [1, 2],
        ),
    ],
)
def test_a_hole_after_the_rows_costs_only_its_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    text: str,
    metric: str,
    kept: list[float],
) -> None:
    monkeypatch.setattr(textfile, "MAX_LINE_BYTES", 4096)
    monkeypatch.setattr(bounded, "MAX_LINE_BYTES", 4096)
    path = tmp_path / "run" / name
    path.parent.mkdir()
    path.write_text(text)
    os.truncate(path, 8 * 2**20)  # a hole of 8 MiB, never written
    (run,) = load_runs(discover([tmp_path]).runs, cache=False)
    assert run.error is None
    values = run.points.filter(run.points.get_column("metric") == metric)
    assert values.get_column("value").to_list() == kept
    assert [issue.path for issue in run.issues] == [path]
    assert "longer than" in run.issues[0].message
