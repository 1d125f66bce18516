"""run_table(): one row per run with status, times, counts and param columns."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from curvelens.core.runtable import RUNS_SCHEMA, run_table
from curvelens.core.schema import Issue, RunData, RunRef, empty_points


def _run(name: str, **fields: object) -> RunData:
    ref = RunRef(id=f"exp/{name}", name=name, path=Path("/x") / name, format="reference")
    return replace(RunData(ref=ref, points=empty_points()), **fields)


def test_columns_counts_and_params() -> None:
    points = pl.DataFrame(
        {
            "metric": ["loss", "loss"],
            "step": [1.0, 2.0],
            "value": [2.0, 1.0],
            "wall_time": [None, None],
        },
        schema={
            "metric": pl.String,
            "step": pl.Float64,
            "value": pl.Float64,
            "wall_time": pl.Float64,
        },
    )
    started = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    runs = [
        _run("a", points=points, params={"lr": 0.001, "fp16": True}, started=started, resumed=True),
        _run("b", params={"mode": "fair", "layers": 2}, issues=(Issue(Path("/x/b"), "bad"),)),
        _run("c", status="error", error="/x/c/logs/metrics.csv: binary content"),
    ]
    table = run_table(runs)
    assert table.columns == [
        *RUNS_SCHEMA,
        "param.fp16",
        "param.layers",
        "param.lr",
        "param.mode",
    ]
    assert table.get_column("points").to_list() == [2, 0, 0]
    assert table.get_column("warnings").to_list() == [0, 1, 0]
    assert table.get_column("resumed").to_list() == [True, False, False]
    assert table.get_column("started").to_list() == [started, None, None]
    assert table.get_column("param.lr").to_list() == ["0.001", None, None]
    assert table.get_column("param.fp16").to_list() == ["true", None, None]
    assert table.get_column("param.layers").to_list() == [None, "2", None]
    assert table.get_column("status").to_list() == ["unknown", "unknown", "error"]
    assert table.get_column("error").to_list()[2].endswith("binary content")


def test_empty_table_has_the_fixed_schema() -> None:
    assert dict(run_table([]).schema) == RUNS_SCHEMA


def test_point_counts_of_cached_runs_come_from_their_summaries(tmp_path: Path) -> None:
    from curvelens.core.discovery import discover
    from curvelens.core.loading import load_runs

    for name, rows in (("a", 5), ("b", 9)):
        (tmp_path / name).mkdir()
        lines = "".join(f"{s},{1 / s},{s % 2 or ''}\n" for s in range(1, rows))
        (tmp_path / name / "metrics.csv").write_text("step,loss,odd\n" + lines)
    for path in tmp_path.rglob("*"):
        os.utime(path, (1_600_000_000, 1_600_000_000))  # finished long ago: cacheable
    refs = discover([tmp_path]).runs
    load_runs(refs)  # fills the cache
    cached = load_runs(refs)
    counts = run_table(cached).get_column("points").to_list()
    assert all("points" not in run.__dict__ for run in cached)  # no points file read
    assert counts == [run.points.height for run in load_runs(refs, cache=False)] == [6, 12]
