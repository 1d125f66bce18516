"""Streaming CSV reads: any chunk size gives what parsing the whole file at once gives.

The reference is the one-shot parse the reader did before it streamed (whole file read,
NUL lines dropped, separator sniffed, :func:`read_delimited`, :func:`table_points`); the
property draws hostile files (quoted cells with newlines, malformed and NUL lines, blank
and CRLF lines, constant and text columns, time columns, cut last lines) and chunk sizes
down to one byte.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from curvelens.core.readers import linechunks
from curvelens.core.readers.csvstream import read_table_file, separator
from curvelens.core.readers.delimited import read_delimited
from curvelens.core.readers.table import TableResult, table_points
from curvelens.core.readers.textfile import (
    Budget,
    blank,
    drop_nul_lines,
    other_separator,
    read_log_bytes,
)
from curvelens.core.schema import Issue, empty_points


def whole_file(path: Path) -> TableResult:
    """The one-shot parse: the whole file in memory, then the table rules."""
    data = read_log_bytes(path)
    if blank(data):
        return TableResult(
            empty_points(), {}, False, [Issue(path, "empty file, no data yet")], None
        )
    data, front = drop_nul_lines(path, data)
    sep = separator(path)
    if (other := other_separator(data, sep)) is not None:
        shown = {"\t": "tab", ";": "semicolon", "|": "pipe"}[other]
        front.append(Issue(path, f"{shown}-separated, not as its name says: read as such"))
        sep = other
    frame, issues, cut = read_delimited(path, data, sep, numbers=True)
    result = table_points(frame, path)
    issues = [*front, *issues, *result.issues]
    if frame.height == 0 and not issues:
        issues.append(Issue(path, "header only, no data rows yet"))
    pending = [cut] if cut is not None else []
    return TableResult(
        result.points, result.params, result.resumed, issues, result.first_wall_time, pending
    )


def assert_same(got: TableResult, want: TableResult) -> None:
    """Equal points (exactly, NaN included), params, flags and issues."""
    assert_frame_equal(got.points, want.points, check_exact=True)
    assert got.params == want.params
    assert got.resumed == want.resumed
    assert got.issues == want.issues
    assert got.pending == want.pending
    assert got.first_wall_time == want.first_wall_time


COLUMNS = ["step", "loss", "acc", "epoch", "name", "flag", "timestamp", "time", "lr rate"]
CELLS = st.one_of(
    st.just(""),
    st.integers(-3, 40).map(str),
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
    st.sampled_from(["nan", "inf", "-Infinity", "true", "False", " 2.5 ", " ", "abc", "x y"]),
    st.sampled_from(['"q,1"', '"a\nb"', '"he said ""hi"""', '"3"', 'a"b', '"open']),
    st.sampled_from(["1700000000", "1700000000123", "2025-01-01T10:00:00", "12"]),
)


@st.composite
def column_cells(draw: st.DrawFn, rows: int) -> list[str]:
    """One column: random cells, or one repeated cell (params), or mostly empty."""
    kind = draw(st.sampled_from(["random", "constant", "changes", "sparse"]))
    if kind == "constant":
        cell = draw(CELLS)
        return [cell] * rows
    if kind == "changes":  # constant at first, another value later
        first, later = draw(st.integers(0, 9)), draw(st.integers(0, 9))
        change = draw(st.integers(0, rows))
        return [str(first if i < change else later) for i in range(rows)]
    cells = draw(st.lists(CELLS, min_size=rows, max_size=rows))
    return cells if kind == "random" else [c if i % 4 == 3 else "" for i, c in enumerate(cells)]


@st.composite
def hostile_csv(draw: st.DrawFn) -> bytes:
    """A CSV log with damage of every kind the reader must survive."""
    names = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=5, unique=True))
    height = draw(st.integers(0, 30))
    columns = [draw(column_cells(height)) for _ in names]
    if "step" in names and draw(st.booleans()):
        columns[names.index("step")] = [str(i // 2) for i in range(height)]
    sep = draw(st.sampled_from([",", ",", "\t"]))  # a TSV named .csv: read as such
    lines = [sep.join(names)]
    for row in range(height):
        cells = [column[row] for column in columns]
        damage = draw(st.sampled_from(["none"] * 6 + ["short", "long", "nul", "blank", "crlf"]))
        if damage == "short":
            cells = cells[:-1]
        elif damage == "long":
            cells = [*cells, "9"]
        line = sep.join(cells)
        if damage == "nul":
            line = line[:1] + "\x00" + line[1:]
        elif damage == "blank":
            lines.append(draw(st.sampled_from(["", " ", ",,", "\r"])))
        elif damage == "crlf":
            line += "\r"
        lines.append(line)
    text = "\n".join(lines)
    ending = draw(st.sampled_from(["\n", "", "\n1,2", "\n\x00\x00"]))
    return (text + ending).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=hostile_csv(), chunk=st.integers(1, 200))
def test_any_chunk_size_reads_what_the_whole_file_gives(data: bytes, chunk: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics.csv"
        path.write_bytes(data)
        try:
            want = whole_file(path)
        except Exception as exc:  # the same error either way
            with pytest.raises(type(exc)):
                read_table_file(path, chunk_bytes=chunk)
            return
        assert_same(read_table_file(path, chunk_bytes=chunk), want)
        assert_same(read_table_file(path), want)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=hostile_csv(), chunk=st.integers(1, 200), asked=st.sets(st.sampled_from(COLUMNS)))
def test_a_projected_read_keeps_the_asked_points_and_every_param(
    data: bytes, chunk: int, asked: set[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics.csv"
        path.write_bytes(data)
        try:
            full = read_table_file(path)
        except Exception:
            return
        part = read_table_file(path, metrics=asked, chunk_bytes=chunk)
    kept = full.points.filter(pl.col("metric").is_in(sorted(asked)))
    assert_frame_equal(part.points, kept, check_exact=True)
    assert part.params == full.params
    assert part.resumed == (full.resumed and part.resumed)  # only the asked metrics' steps
    assert part.pending == full.pending


def test_quoted_cells_across_chunk_ends_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text('step,note,loss\n0,"a\nb",1.5\n1,x\n2,"c,d",2.5\n3,,3.5\n')
    for chunk in (1, 5, 12, 1 << 20):
        result = read_table_file(path, chunk_bytes=chunk)
        assert result.points.get_column("value").to_list() == [1.5, 2.5, 3.5]
        assert [(i.message, i.line) for i in result.issues] == [("expected 3 fields, found 2", 4)]


def test_a_column_constant_in_the_first_chunk_only_is_a_metric(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    rows = [f"{i},7" for i in range(50)] + ["50,8"]
    path.write_text("step,batch\n" + "\n".join(rows) + "\n")
    small = read_table_file(path, chunk_bytes=16)
    assert "batch" not in small.params
    assert small.points.height == 51
    path.write_text("step,batch\n" + "\n".join(rows[:-1]) + "\n")
    assert read_table_file(path, chunk_bytes=16).params == {"batch": 7}


def test_long_lines_are_skipped_without_holding_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linechunks, "MAX_LINE_BYTES", 100)
    path = tmp_path / "metrics.csv"
    hole, runaway = b"\x00" * 3000 + b"\n", b"7" * 500 + b"\n"
    path.write_bytes(b"step,loss\n0,1.0\n1,0.5\n" + hole + b"2,0.25\n" + runaway + b"3\n4,0.1\n")
    for chunk in (16, 64):  # smaller than the longest line (as 8 MiB is, beside 16 MiB)
        result = read_table_file(path, chunk_bytes=chunk)
        assert result.points.get_column("value").to_list() == [1.0, 0.5, 0.25, 0.1]
        assert [(i.message.split(" (")[0], i.line) for i in result.issues] == [
            ("1 line holding NUL bytes skipped", 4),
            ("line longer than 16 MiB skipped", 6),
            ("expected 2 fields, found 1", 7),
        ]
    path.write_bytes(b"step,loss\n0,1.0\n" + b"\x00" * 3000)  # the hole runs to the end
    result = read_table_file(path, chunk_bytes=64)
    assert result.points.height == 1 and result.pending == []
    assert [(i.message.split(" (")[0], i.line) for i in result.issues] == [
        ("1 line holding NUL bytes skipped", 3)
    ]


def test_the_time_budget_stops_a_read_and_keeps_what_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text("step,loss\n" + "".join(f"{i},{i / 10}\n" for i in range(100)))
    calls = iter(range(1000))
    monkeypatch.setattr(Budget, "spent", lambda self: next(calls) >= 2)
    result = read_table_file(path, chunk_bytes=60)
    read = result.points.height
    assert 0 < read < 100
    assert result.points.get_column("step").to_list() == [float(i) for i in range(read)]
    (issue,) = result.issues
    assert issue.path == path and "time budget" in issue.message
    assert issue.line == read + 2  # the header, then the rows read
    assert result.pending == []


@pytest.mark.parametrize("reader_name", ["csv", "sb3", "reference"])
def test_read_metrics_is_read_with_only_the_asked_points(tmp_path: Path, reader_name: str) -> None:
    from curvelens.core.readers import get_reader

    rows = "".join(f"{i},{i * 10},0.{i},{'' if i % 3 else i / 7},4,cosine\n" for i in range(40))
    header = {"csv": "step", "sb3": "time/total_timesteps", "reference": "step"}[reader_name]
    log = {"csv": "metrics.csv", "sb3": "progress.csv", "reference": "logs/metrics.csv"}
    path = tmp_path / "run_20250101_000000" / log[reader_name]
    path.parent.mkdir(parents=True)
    path.write_text(f"{header},tokens,loss,val/acc,batch,schedule\n" + rows + "40,1,x\n")
    run = tmp_path / "run_20250101_000000"
    if reader_name == "csv":
        (run / "hparams.yaml").write_text("lr: 0.1\n")
    reader = get_reader(reader_name)
    full = reader.read(run)
    part = reader.read_metrics(run, frozenset({"val/acc", "nope"}))
    want = full.points.filter(pl.col("metric") == "val/acc")
    assert want.height == 14
    assert_frame_equal(part.points, want, check_exact=True)
    assert part.params == full.params and part.params["batch"] == 4
    assert part.params["schedule"] == "cosine"
    assert part.issues == full.issues  # the malformed line; no cell Issue in either
    assert part.pending == full.pending and part.files == full.files


REAL = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "real"


def test_logs_written_by_the_real_libraries_stream_as_they_read_whole() -> None:
    logs = sorted(p for p in REAL.rglob("*") if p.suffix.lower() in (".csv", ".tsv"))
    assert len(logs) > 20
    for path in logs:
        try:
            want = whole_file(path)
        except Exception as exc:
            with pytest.raises(type(exc)):
                read_table_file(path, chunk_bytes=97)
            continue
        for chunk in (97 if path.stat().st_size < 50_000 else 9_973, 65_536):
            assert_same(read_table_file(path, chunk_bytes=chunk), want)


def test_a_sparse_files_hole_is_passed_over_and_the_lines_after_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linechunks, "MAX_LINE_BYTES", 100)
    path = tmp_path / "metrics.csv"
    with path.open("wb") as handle:
        handle.write(b"step,loss\n0,1.0\n1,0.5\n")
        handle.seek(8 * 2**20)  # a hole of about 8 MiB (never written)
        handle.write(b"\n2,0.25\n3,0.1\n")
    read = linechunks.LineChunks._read
    sizes: list[int] = []

    def counted(self: linechunks.LineChunks) -> bytes:
        block = read(self)
        sizes.append(len(block))
        return block

    monkeypatch.setattr(linechunks.LineChunks, "_read", counted)
    result = read_table_file(path, chunk_bytes=4096)
    assert result.points.get_column("value").to_list() == [1.0, 0.5, 0.25, 0.1]
    assert [(i.message.split(" (")[0], i.line) for i in result.issues] == [
        ("1 line holding NUL bytes skipped", 4)
    ]
    assert sum(sizes) < 2**20  # the 8 MiB hole was not read
