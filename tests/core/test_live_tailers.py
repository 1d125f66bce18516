"""Incremental reads equal whole re-reads, whatever the appends and cuts (hypothesis)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from curvelens.core.live.apply import merge_points
from curvelens.core.live.tailers import CSV, EVENTS, JSONL, START, WANDB, MlflowMetric, Tailer
from curvelens.core.readers import ReadError
from curvelens.core.readers.csvlog import read_table_file
from curvelens.core.readers.jsonl import JsonlReader
from curvelens.core.readers.mlflow import parse_metric_file
from curvelens.core.readers.points import PointLists, build_points, points_from
from curvelens.core.readers.tfevents import read_event_file
from curvelens.core.readers.wandb import WandbReader
from curvelens.core.schema import compact_points, empty_points
from tests.core import wandb_writer
from tests.core.tfevents_writer import event, record, simple_value, tensor_value

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
steps = st.integers(min_value=0, max_value=30)
values = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=32),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)
cells = st.one_of(st.none(), values)
FRACTIONS = st.lists(st.floats(min_value=0, max_value=1), max_size=8)
"""Where the appends end, as fractions of the content."""


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def _csv(
    rows: list[tuple[int, float | None, float | None, int]], step: bool, seed: bool, sep: str
) -> bytes:
    """A wide log: step (or none), two sparse metrics and maybe an integer column (a param
    while it is constant)."""
    names = (["step"] if step else []) + ["loss", "val_acc"] + (["seed"] if seed else [])
    lines = [sep.join(names)]
    for s, loss, acc, number in rows:
        fields = ([str(s)] if step else []) + [_number(loss), _number(acc)]
        lines.append(sep.join(fields + ([str(number)] if seed else [])))
    return ("\n".join(lines) + "\n").encode()


def _follow(tailer: Tailer, path: Path, content: bytes, cuts: list[float], whole) -> None:
    """Append ``content`` to ``path`` in pieces ending at ``cuts`` (fractions of it); after
    each, the points read incrementally equal ``whole`` of the file's complete lines."""
    path.write_bytes(b"")
    position, points, written = START, empty_points(), 0
    prefix = path.with_name("prefix" + path.suffix)
    for cut in [*sorted({int(f * len(content)) for f in cuts}), len(content)]:
        with path.open("ab") as handle:
            handle.write(content[written:cut])
        written = max(written, cut)
        tail = tailer.read(path, position)
        points = tail.points if tail.restarted else merge_points(points, tail.points)
        position = tail.position
        prefix.write_bytes(whole_prefix(content[:written], tailer))
        expected = compact_points(whole(prefix))  # held points are compact, as loaded
        assert_frame_equal(compact_points(points), expected, check_row_order=True)


def whole_prefix(data: bytes, tailer: Tailer) -> bytes:
    """What a whole read must agree with: complete lines (binary logs: the records, which
    the whole read cuts itself)."""
    if tailer in (EVENTS, WANDB):
        return data
    return data[: data.rfind(b"\n") + 1]


@SETTINGS
@given(
    rows=st.lists(st.tuples(steps, cells, cells, st.sampled_from([7, 7, 7, 8])), max_size=25),
    has_step=st.booleans(),
    seed=st.booleans(),
    tsv=st.booleans(),
    cuts=FRACTIONS,
)
def test_csv_tail_equals_whole_read(tmp_path: Path, rows, has_step, seed, tsv, cuts) -> None:
    """CSV/TSV with repeated and backward steps, empty cells, NaN/inf, a maybe-param
    column, with or without a step column."""
    sep, suffix = ("\t", ".tsv") if tsv else (",", ".csv")
    content = _csv(rows, has_step, seed, sep)
    _follow(CSV, tmp_path / f"metrics{suffix}", content, cuts, lambda p: read_table_file(p).points)


@SETTINGS
@given(
    rows=st.lists(
        st.tuples(steps, values, st.sampled_from(["a", "a", "b"]), st.booleans()), max_size=25
    ),
    cuts=FRACTIONS,
)
def test_jsonl_tail_equals_whole_read(tmp_path: Path, rows, cuts) -> None:
    """JSONL with bare NaN/Infinity, nested objects, a maybe-constant text key."""
    lines = []
    for step, value, name, nested in rows:
        obj: dict[str, object] = {"step": step, "loss": value, "run_name": name}
        if nested:
            obj["eval"] = {"acc": value / 2}
        lines.append(json.dumps(obj))
    content = "".join(line + "\n" for line in lines).encode()
    _follow(JSONL, tmp_path / "log.jsonl", content, cuts, lambda p: JsonlReader().read(p).points)


def _mlflow_whole(path: Path) -> pl.DataFrame:
    lists = PointLists()
    parse_metric_file("loss", path, lists)
    return points_from(lists)[0]


@SETTINGS
@given(
    rows=st.lists(st.tuples(steps, values, st.integers(2, 5)), max_size=25),
    cuts=FRACTIONS,
)
def test_mlflow_tail_equals_whole_read(tmp_path: Path, rows, cuts) -> None:
    """MLflow metric lines with 2, 3 and 5 fields (and malformed 4-field ones)."""
    lines = []
    for step, value, width in rows:
        fields = [str(1_700_000_000_000 + step), str(value), str(step), "train", "abc"][:width]
        lines.append(" ".join(fields))
    content = "".join(line + "\n" for line in lines).encode()
    _follow(MlflowMetric("loss"), tmp_path / "loss", content, cuts, _mlflow_whole)


def _events_whole(path: Path) -> pl.DataFrame:
    scalars = read_event_file(path)
    return build_points(scalars.tags, scalars.steps, scalars.values, scalars.wall_times)[0]


@SETTINGS
@given(
    rows=st.lists(st.tuples(steps, values, st.booleans()), max_size=20),
    cuts=FRACTIONS,
)
def test_events_tail_equals_whole_read(tmp_path: Path, rows, cuts) -> None:
    """Event records cut anywhere, simple values and tensor scalars whose plugin is named
    only on the tag's first value (so it must be remembered across reads)."""
    content = record(event(0, 1.0))
    first = True
    for step, value, tensor in rows:
        values = [simple_value("loss", value)]
        if tensor:
            values.append(tensor_value("acc", value, with_plugin=first))
            first = False
        content += record(event(step, 1000.0 + step, values))
    _follow(EVENTS, tmp_path / "events.out.tfevents.1.host", content, cuts, _events_whole)


def test_replaced_file_is_read_again(tmp_path: Path) -> None:
    """A new inode with the same size, a shrunk file, and an in-place rewrite before the
    offset each restart the read; the points are the new file's."""
    path = tmp_path / "metrics.csv"
    path.write_bytes(b"step,loss\n1,0.5\n2,0.4\n")
    first = CSV.read(path, START)
    other = tmp_path / "other.csv"
    other.write_bytes(b"step,loss\n1,0.9\n2,0.8\n")
    os.replace(other, path)
    replaced = CSV.read(path, first.position)
    assert replaced.restarted and replaced.points.get_column("value").to_list() == [0.9, 0.8]
    path.write_bytes(b"step,loss\n1,0.1\n")  # shrunk (same inode)
    shrunk = CSV.read(path, replaced.position)
    assert shrunk.restarted and shrunk.points.get_column("value").to_list() == [0.1]
    with path.open("r+b") as handle:  # same size and first bytes, last row rewritten
        handle.seek(len(b"step,loss\n1,0."))
        handle.write(b"7")
    rewritten = CSV.read(path, shrunk.position)
    assert rewritten.restarted and rewritten.points.get_column("value").to_list() == [0.7]


def test_wider_header_rewrite_is_read_again(tmp_path: Path) -> None:
    """Lightning rewrites metrics.csv with a wider header when a key is new."""
    path = tmp_path / "metrics.csv"
    path.write_bytes(b"epoch,step,train_loss\n0,1,0.5\n")
    first = CSV.read(path, START)
    path.write_bytes(b"epoch,step,train_loss,val_loss\n0,1,0.5,\n0,1,,0.7\n")
    again = CSV.read(path, first.position)
    assert again.restarted
    assert sorted(again.points.get_column("metric").unique().to_list()) == [
        "epoch",
        "train_loss",
        "val_loss",
    ]


def test_cut_line_is_read_once_when_complete(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_bytes(b"step,loss\n0,0.7\n1,0.5\n2,0.")
    first = CSV.read(path, START)
    assert first.points.get_column("step").to_list() == [0.0, 1.0]
    again = CSV.read(path, first.position)
    assert again.points.height == 0 and not again.restarted
    with path.open("ab") as handle:
        handle.write(b"25\n")
    done = CSV.read(path, again.position)
    assert done.points.rows() == [("loss", 2.0, 0.25, None)] and not done.restarted
    assert CSV.read(path, done.position).points.height == 0


def test_bad_line_issue_keeps_its_file_line_number(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_bytes(b"step,loss\n0,0.6\n1,0.5\n")
    first = CSV.read(path, START)
    with path.open("ab") as handle:
        handle.write(b"2,0.4\n3,0.3,9\n")
    tail = CSV.read(path, first.position)
    assert not tail.restarted and [issue.line for issue in tail.issues] == [5]


def _wandb_whole(path: Path) -> pl.DataFrame:
    """The W&B reader's points of a run folder holding ``path``'s bytes (none without
    history yet)."""
    folder = path.parent.parent / "run-20250101_000000-whole"
    folder.mkdir(exist_ok=True)
    (folder / "run-whole.wandb").write_bytes(path.read_bytes())
    try:
        return WandbReader().read(folder).points
    except ReadError:
        return empty_points()


@SETTINGS
@given(
    rows=st.lists(st.tuples(steps, values, st.integers(0, 3000)), max_size=30),
    cuts=FRACTIONS,
)
def test_wandb_tail_equals_whole_read(tmp_path: Path, rows, cuts) -> None:
    """History records of any size (some split across 32 KiB blocks), cut anywhere."""
    records = [wandb_writer.run(1_700_000_000, "r")]
    for step, value, padding in rows:
        records.append(wandb_writer.history({"_step": step, "loss": value, "note": "x" * padding}))
    folder = tmp_path / "run-20250101_000000-abc"
    folder.mkdir(exist_ok=True)
    content = wandb_writer.frame(records)
    _follow(WANDB, folder / "run-abc.wandb", content, cuts, _wandb_whole)


def test_wandb_exit_record_reads_whole(tmp_path: Path) -> None:
    folder = tmp_path / "run-20250101_000000-abc"
    folder.mkdir()
    log = folder / "run-abc.wandb"
    log.write_bytes(wandb_writer.frame([wandb_writer.history({"_step": 1, "loss": 0.5})]))
    first = WANDB.read(log, START)
    log.write_bytes(
        wandb_writer.frame(
            [wandb_writer.history({"_step": 1, "loss": 0.5}), wandb_writer.exit_record(0)]
        )
    )
    assert WANDB.read(log, first.position).restarted


def test_wandb_tail_resumes_across_block_boundaries(tmp_path: Path) -> None:
    """80 KB of history (records split across 32 KiB blocks) appended in 25 pieces."""
    records = [
        wandb_writer.history({"_step": s, "loss": s / 3, "note": "x" * 1999}) for s in range(40)
    ]
    folder = tmp_path / "run-20250101_000000-abc"
    folder.mkdir()
    content = wandb_writer.frame(records)
    assert len(content) > 2 * 32 * 1024
    _follow(WANDB, folder / "run-abc.wandb", content, [i / 25 for i in range(25)], _wandb_whole)
