"""Property: the CSV reader recovers exactly the points written, whatever the layout."""

from __future__ import annotations

import itertools
import math
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from curvelens.core.readers import get_reader

READER = get_reader("csv")

metric_names = st.lists(
    st.sampled_from(["loss", "acc", "val_loss", "eval/ppl", "lr-Adam", "grad_norm"]),
    min_size=1,
    max_size=4,
    unique=True,
)
values = st.floats(allow_nan=False, allow_infinity=True, width=64)


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[str], list[tuple[int, dict[str, float]]]]:
    """Columns (step anywhere) and rows: a step plus some filled metric cells."""
    metrics = draw(metric_names)
    columns = draw(st.permutations(["step", *metrics]))
    row = st.tuples(
        st.integers(min_value=0, max_value=30),
        st.dictionaries(st.sampled_from(metrics), values, min_size=1),
    )
    return columns, draw(st.lists(row, min_size=1, max_size=25))


def _expected(rows: list[tuple[int, dict[str, float]]]) -> dict[tuple[str, float], float]:
    expected: dict[tuple[str, float], float] = {}
    for step, cells in rows:
        for metric, value in cells.items():
            expected[(metric, float(step))] = value  # the last write wins
    return expected


def _render(columns: list[str], rows: list[tuple[int, dict[str, float]]]) -> str:
    lines = [",".join(columns)]
    for step, cells in rows:
        lines.append(
            ",".join(
                str(step) if c == "step" else repr(cells[c]) if c in cells else "" for c in columns
            )
        )
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None)
@given(log=logs(), cut=st.integers(min_value=0, max_value=1000))
def test_csv_round_trip_with_a_cut_last_line(
    log: tuple[list[str], list[tuple[int, dict[str, float]]]], cut: int
) -> None:
    columns, rows = log
    text = _render(columns, rows)
    partial_row = _render(columns, [rows[-1]]).splitlines()[1]
    # cut the extra row before its last separator: a row still being written
    partial = partial_row[: min(cut, partial_row.rfind(","))]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics.csv"
        path.write_text(text + partial)
        result = READER.read(path)
    got = {(m, s): v for m, s, v in result.points.select("metric", "step", "value").rows()}
    assert got == _expected(rows)
    assert [issue.message for issue in result.issues] == _never_finite(rows)
    assert result.resumed == _goes_backwards(rows)


def _never_finite(rows: list[tuple[int, dict[str, float]]]) -> list[str]:
    """The issue expected when some metric's points (last writes) are all infinite."""
    values: dict[str, list[float]] = {}
    for (metric, _), value in _expected(rows).items():
        values.setdefault(metric, []).append(value)
    names = sorted(m for m, vs in values.items() if not any(math.isfinite(v) for v in vs))
    if not names:
        return []
    shown = ", ".join(repr(name) for name in names[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return [f"no finite value (only NaN/inf) in column(s) {shown}{more}"]


def _goes_backwards(rows: list[tuple[int, dict[str, float]]]) -> bool:
    """True when some metric's steps decrease in row order."""
    metrics = {metric for _, cells in rows for metric in cells}
    for metric in metrics:
        steps = [step for step, cells in rows if metric in cells]
        if any(later < earlier for earlier, later in itertools.pairwise(steps)):
            return True
    return False
