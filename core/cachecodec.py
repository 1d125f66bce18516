"""A read result (but its points) and its per-metric summary as JSON for the parse cache, and
back, exactly: NaN and infinities, huge integers, datetimes and paths all come back as they went.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.readers.base import ReadResult
from curvelens.core.schema import Issue, empty_points

_INT_LIMIT = 2**63
_NONFINITE = ("nan", "inf", "-inf")
_EMPTY = empty_points()
"""The points of a decoded result (one frame shared: the real points are read apart)."""


@cache
def summary_schema() -> pl.Schema:
    """The columns :func:`~curvelens.core.analysis.summary.summarize` gives for ``POINTS``."""
    from curvelens.core.analysis.summary import summarize

    return summarize(empty_points()).schema


def encode_result(result: ReadResult, summary: pl.DataFrame) -> dict[str, Any]:
    """``result`` (points left out) and ``summary`` as JSON-ready values."""
    return {
        "params": [[key, _value(value)] for key, value in result.params.items()],
        "resumed": result.resumed,
        "issues": [_issue(issue) for issue in result.issues],
        "pending": [_issue(issue) for issue in result.pending],
        "status": result.status,
        "started": None if result.started is None else result.started.isoformat(),
        "files": [str(path) for path in result.files],
        "extra_sources": [str(path) for path in result.sources],
        "name": result.name,
        **_summary_lists(summary),
    }


def decode_result(meta: Mapping[str, Any]) -> tuple[ReadResult, dict[str, list[Any]]]:
    """What :func:`encode_result` was given (with empty points), the summary as columns for
    :func:`summary_frames`; ValueError/KeyError/TypeError when ``meta`` is not such a value."""
    started = meta["started"]
    result = ReadResult(
        points=_EMPTY,
        params={key: _unvalue(value) for key, value in meta["params"]},
        resumed=bool(meta["resumed"]),
        issues=tuple(_unissue(item) for item in meta["issues"]),
        pending=tuple(_unissue(item) for item in meta["pending"]),
        status=str(meta["status"]),
        started=None if started is None else datetime.fromisoformat(started),
        files=tuple(Path(path) for path in meta["files"]),
        sources=tuple(Path(path) for path in meta["extra_sources"]),
        name=meta["name"],
    )
    schema = summary_schema()
    columns: dict[str, list[Any]] = meta["summary"]
    if list(columns) != schema.names() or len({len(v) for v in columns.values()}) > 1:
        raise ValueError("summary columns differ")
    for name, row, text in meta["summary_nonfinite"]:
        if schema[name] != pl.Float64() or text not in _NONFINITE:
            raise ValueError("not a non-finite summary cell")
        columns[name][row] = float(text)
    return result, columns


def summary_frames(parts: Sequence[Mapping[str, list[Any]]]) -> list[pl.DataFrame]:
    """The summary frames of many :func:`decode_result` column sets, built as one frame and
    sliced (a frame per run costs a millisecond; a thousand runs, a second)."""
    schema = summary_schema()
    data = {name: [v for part in parts for v in part[name]] for name in schema.names()}
    frame = pl.DataFrame(data, schema=schema)
    heights = [len(part["metric"]) for part in parts]
    starts = _offsets(heights)
    return [frame.slice(start, height) for start, height in zip(starts, heights, strict=True)]


def _offsets(heights: Sequence[int]) -> Iterator[int]:
    """Where each of consecutive blocks of ``heights`` rows starts."""
    total = 0
    for height in heights:
        yield total
        total += height


def _value(value: ParamValue) -> Any:
    """A param value JSON keeps as it is (non-finite floats and huge ints tagged)."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": repr(value)}
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _INT_LIMIT:
        return {"int": str(value)}
    return value


def _unvalue(value: Any) -> ParamValue:
    """The param value :func:`_value` encoded."""
    if isinstance(value, dict):
        return float(value["float"]) if "float" in value else int(value["int"])
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"not a param value: {value!r}")


def _summary_lists(summary: pl.DataFrame) -> dict[str, Any]:
    """The summary as column lists, and ``[column, row, "nan"|"inf"|"-inf"]`` of every
    non-finite float cell apart (JSON has none); plain Python, a polars call per column
    and run cost seconds over a thousand runs."""
    columns = {name: summary.get_column(name).to_list() for name in summary.columns}
    cells = []
    for name, dtype in summary.schema.items():
        if dtype == pl.Float64():
            for row, value in enumerate(columns[name]):
                if value is not None and not math.isfinite(value):
                    cells.append([name, row, repr(value)])
    return {"summary": columns, "summary_nonfinite": cells}


def _issue(issue: Issue) -> list[Any]:
    """An Issue as ``[path, message, line]``."""
    return [str(issue.path), issue.message, issue.line]


def _unissue(item: list[Any]) -> Issue:
    """The Issue :func:`_issue` wrote."""
    path, message, line = item
    return Issue(Path(path), str(message), None if line is None else int(line))
