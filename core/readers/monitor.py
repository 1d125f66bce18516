"""SB3 / OpenAI-baselines ``Monitor`` episode files (``*monitor.csv``) as points.

Layout: a first line ``#{"t_start": <unix>, "env_id": ...}`` (JSON after ``#``), a header
``r,l,t`` (episode reward, length, seconds since ``t_start``) maybe with extra info keys,
then one row per finished episode. Windows writers end lines in ``\\r\\r\\n``.

Each numeric column ``c`` becomes the metric ``<prefix>/c``; the step is the cumulative
number of timesteps (the running sum of ``l``; the episode number when ``l`` is missing or
not finite), ``wall_time`` is ``t_start + t``. A 0-byte or header-only file, or a header
line that is not JSON, is an Issue, never fatal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from curvelens.core.params import ParamValue
from curvelens.core.readers.base import ReadError
from curvelens.core.readers.bounded import stream_text
from curvelens.core.readers.delimited import read_delimited
from curvelens.core.readers.textfile import blank
from curvelens.core.schema import POINTS, Issue

SUFFIX = "monitor.csv"


@dataclass(frozen=True)
class Episodes:
    """The points and header facts of one monitor file."""

    points: pl.DataFrame
    """``POINTS`` sorted by metric then step."""
    params: dict[str, ParamValue] = field(default_factory=dict)
    """``<prefix>.env_id`` and the header's other scalar keys but ``t_start``."""
    t_start: float | None = None
    issues: list[Issue] = field(default_factory=list)
    pending: list[Issue] = field(default_factory=list)


def is_monitor(name: str) -> bool:
    """True for a Monitor file name (``monitor.csv``, ``0.monitor.csv``, ``x_monitor.csv``)."""
    return name.lower().endswith(SUFFIX)


def _header(path: Path, line: bytes, issues: list[Issue]) -> dict[str, Any]:
    try:
        header = json.loads(line[1:].decode("utf-8", "replace"))
    except ValueError:
        header = None
    if not isinstance(header, dict):
        issues.append(Issue(path, "first line is not the Monitor's JSON header, ignored", 1))
        return {}
    return header


def read_monitor(path: Path, prefix: str) -> Episodes:
    """The episodes of ``path`` as ``<prefix>/r``, ``<prefix>/l``, ``<prefix>/t`` ... points."""
    data, issues = stream_text(path)  # memory follows the lines kept, not the file size
    data = data.replace(b"\r\r\n", b"\n").replace(b"\r\n", b"\n")
    if blank(data):
        return Episodes(pl.DataFrame(schema=POINTS), issues=[*issues, Issue(path, "empty file")])
    header: dict[str, Any] = {}
    if data.startswith(b"#"):
        end = data.find(b"\n")
        line, data = (data, b"") if end < 0 else (data[:end], data[end + 1 :])
        header = _header(path, line, issues)
    if blank(data):
        issues.append(Issue(path, "header only, no episodes yet"))
        return Episodes(pl.DataFrame(schema=POINTS), _params(header, prefix), None, issues)
    try:
        frame, row_issues, cut = read_delimited(path, data, ",", numbers=True)
    except ReadError as exc:  # a header the csv module refuses (a stray carriage return)
        issues.append(Issue(path, f"{exc.message}, file skipped", 2))
        return Episodes(pl.DataFrame(schema=POINTS), _params(header, prefix), None, issues)
    issues.extend(row_issues)
    if frame.height == 0 and not row_issues:
        issues.append(Issue(path, "header only, no episodes yet"))
    start = header.get("t_start")
    t_start = float(start) if isinstance(start, int | float) else None
    points = _points(frame, prefix, t_start, path, issues)
    return Episodes(points, _params(header, prefix), t_start, issues, [cut] if cut else [])


def _params(header: dict[str, Any], prefix: str) -> dict[str, ParamValue]:
    return {
        f"{prefix}.{key}": value
        for key, value in header.items()
        if key != "t_start" and (value is None or isinstance(value, str | int | float | bool))
    }


def _points(
    frame: pl.DataFrame, prefix: str, t_start: float | None, path: Path, issues: list[Issue]
) -> pl.DataFrame:
    numbers = frame.select(pl.all().cast(pl.Float64, strict=False))
    lengths = numbers.get_column("l").to_numpy() if "l" in numbers.columns else None
    if lengths is not None and np.isfinite(lengths).all():
        steps = np.cumsum(lengths)
    else:
        if frame.height:
            issues.append(Issue(path, "no episode length column 'l': step is the episode"))
        steps = np.arange(1, frame.height + 1, dtype=np.float64)
    wall = None
    if t_start is not None and "t" in numbers.columns:
        wall = numbers.get_column("t") + t_start
    parts = []
    for name in numbers.columns:
        column = numbers.get_column(name)
        if column.null_count() == column.len():
            continue  # a text info column
        part = pl.DataFrame(
            {
                "metric": f"{prefix}/{name}",
                "step": steps,
                "value": column,
                "wall_time": wall if wall is not None else pl.Series([None] * frame.height),
            },
            schema=POINTS,
        ).filter(pl.col("value").is_not_null())
        parts.append(part)
    if not parts:
        return pl.DataFrame(schema=POINTS)
    frame = pl.concat(parts).unique(subset=["metric", "step"], keep="last", maintain_order=True)
    return frame.sort(["metric", "step"], maintain_order=True)
