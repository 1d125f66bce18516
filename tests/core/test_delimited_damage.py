"""Damaged CSV logs (blank lines, NUL rows, stray carriage returns, booleans, quoted
headers): each costs only itself, with a message naming the file; never an unexpected error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.readers import ReadError, get_reader
from curvelens.core.readers.delimited import column_names

READER = get_reader("csv")


def _run(tmp_path: Path, data: bytes) -> tuple[dict[tuple[str, float], float], list[str]]:
    """Load ``data`` as a run's ``metrics.csv`` the way the CLI does: points and issues."""
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.csv").write_bytes(data)
    (run,) = load_runs(discover([tmp_path]).runs, cache=False)
    assert run.error is None, run.error
    points = run.points if run.points is not None else pl.DataFrame()
    values = {(m, s): v for m, s, v in points.select("metric", "step", "value").rows()}
    return values, [str(issue) for issue in run.issues]


def test_blank_line_after_the_header_is_skipped(tmp_path: Path) -> None:
    values, issues = _run(tmp_path, b"a,b\n\n2,3\n")
    assert values == {("a", 0.0): 2.0, ("b", 0.0): 3.0}  # row-number steps ignore blank lines
    assert issues == []


def test_blank_lines_in_the_middle_do_not_shift_row_steps(tmp_path: Path) -> None:
    values, _ = _run(tmp_path, b"a\n1\n\n2\n\n\n3\n")
    assert values == {("a", 0.0): 1.0, ("a", 1.0): 2.0, ("a", 2.0): 3.0}


def test_crlf_blank_lines_are_skipped(tmp_path: Path) -> None:
    values, issues = _run(tmp_path, b"step,loss\r\n\r\n0,1.5\r\n\r\n1,2.5\r\n\r\n")
    assert values == {("loss", 0.0): 1.5, ("loss", 1.0): 2.5}
    assert issues == []


def test_nul_damaged_first_row_costs_that_line(tmp_path: Path) -> None:
    values, issues = _run(tmp_path, b"step,loss\n1,\x00\n2,3\n")
    assert values == {("loss", 2.0): 3.0}
    assert len(issues) == 1 and "metrics.csv:2:" in issues[0] and "NUL" in issues[0]


def test_stray_carriage_return_in_header_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_bytes(b"step,lo\rss\n0,1\n")
    with pytest.raises(ReadError) as caught:
        READER.read(tmp_path)
    assert caught.value.path == path and "header not readable" in caught.value.message
    with pytest.raises(ReadError):
        column_names("step,lo\rss", ",", path)


def test_boolean_columns_are_metrics(tmp_path: Path) -> None:
    data = b"step,loss,is_best,use_amp\n0,0.5,true,True\n1,0.4,FALSE,True\n2,0.3, True ,True\n"
    (tmp_path / "metrics.csv").write_bytes(data)
    result = READER.read(tmp_path)
    best = result.points.filter(pl.col("metric") == "is_best").select("step", "value").rows()
    assert best == [(0.0, 1.0), (1.0, 0.0), (2.0, 1.0)]
    assert result.params == {"use_amp": "True"}  # constant, like a constant integer column
    assert result.issues == ()


def test_quoted_header_with_an_embedded_newline(tmp_path: Path) -> None:
    values, issues = _run(tmp_path, b'step,"val\nloss"\n0,1\n1,x\n2,3\n')
    assert values == {("val\nloss", 0.0): 1.0, ("val\nloss", 2.0): 3.0}
    assert len(issues) == 1 and "'val\\nloss': 1 non-numeric" in issues[0]


def test_ragged_first_row_names_its_line(tmp_path: Path) -> None:
    values, issues = _run(tmp_path, b"step,loss\n0\n1,2\n")
    assert values == {("loss", 1.0): 2.0}
    assert issues == [f"{tmp_path / 'run' / 'metrics.csv'}:2: expected 2 fields, found 1"]


CELLS = st.sampled_from(["0", "1", "2.5", "-3e2", "nan", "inf", "true", "False", "", " ", "x"])
ODD = st.sampled_from(["\x00", "\r", '"', '""', "\t", "é", "\ufeff", ",", "\r\n"])


@st.composite
def damaged_csv(draw: st.DrawFn) -> bytes:
    """A CSV text: a header, rows of plausible cells, with blank lines, odd bytes and cuts."""
    width = draw(st.integers(1, 4))
    names = draw(
        st.lists(
            st.sampled_from(["step", "loss", "acc", "a", '"q\nn"', "ti\rme"]),
            min_size=width,
            max_size=width,
        )
    )
    lines = [",".join(names)]
    for _ in range(draw(st.integers(0, 6))):
        cells = draw(st.lists(st.one_of(CELLS, ODD), min_size=0, max_size=width + 1))
        lines.append(",".join(cells))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join(lines) + draw(st.sampled_from(["", ending, ending * 3]))
    return text.encode("utf-8")


@settings(max_examples=150, deadline=None)
@given(damaged_csv())
def test_any_text_csv_reads_or_fails_naming_the_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "metrics.csv"
        path.write_bytes(data)
        for read in (
            lambda: READER.read(Path(folder)),
            lambda: READER.read_many([Path(folder)])[0],
        ):
            try:
                result = read()
            except ReadError as exc:
                assert exc.path == path
                continue
            if result is None:  # read_many leaves what it cannot batch to read()
                continue
            assert result.points.schema == READER.read(Path(folder)).points.schema
            assert all(issue.path == path for issue in result.issues + result.pending)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 99), st.floats(-1e6, 1e6)), min_size=1, max_size=8), st.data()
)
def test_blank_lines_never_change_the_points(
    rows: list[tuple[int, float]], data: st.DataObject
) -> None:
    lines = [f"{step},{value!r}" for step, value in rows]
    blanks = [data.draw(st.sampled_from(["", "\n", "\n\n"])) for _ in lines]
    plain = "step,loss\n" + "".join(f"{line}\n" for line in lines)
    spaced = "step,loss\n" + "".join(f"{gap}{line}\n" for gap, line in zip(blanks, lines))
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        (Path(one) / "metrics.csv").write_text(plain)
        (Path(two) / "metrics.csv").write_text(spaced)
        assert READER.read(Path(one)).points.equals(READER.read(Path(two)).points)
