"""The ``summary`` report: per run and metric, count, range, first/last, extremes, mean, std.

Built from each run's ``RunData.summary`` (computed while loading, or kept by the parse cache:
no pass over the points here), else :func:`curvelens.core.analysis.summary.summarize_runs`;
written as aligned text, Markdown, strict JSON (orjson; non-finite values as null) or CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import orjson
import polars as pl

from curvelens.core.analysis.summary import summarize_runs
from curvelens.core.printable import printable
from curvelens.core.reports.format import (
    fmt_step,
    fmt_value,
    json_number,
    json_step,
    markdown_table,
    text_table,
)
from curvelens.core.schema import RunData

#: Statistics in output order; the ones ending in ``step`` are steps, ``count``s are ints.
STATS = (
    "count",
    "first_step",
    "last_step",
    "first",
    "last",
    "min",
    "min_step",
    "max",
    "max_step",
    "mean",
    "std",
    "nan_count",
)
STATS_KEYS = ("metric", *STATS)
_INTS = ("count", "nan_count")
_STEPS = ("first_step", "last_step", "min_step", "max_step")


@dataclass(frozen=True)
class RunSummary:
    """One run's identity and the statistics of each of its metrics."""

    name: str
    path: str
    format: str
    params: Mapping[str, str | int | float | bool | None]
    resumed: bool
    status: str
    warnings: tuple[str, ...]
    metrics: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    """metric -> statistic (see :data:`STATS`) -> value; None when undefined."""


def build_summary(runs: Sequence[RunData], metrics: re.Pattern[str] | None) -> list[RunSummary]:
    """Summarise every metric of every run (only metrics matching ``metrics`` if given).

    All runs go through one :func:`summarize_runs` (batched numpy reductions) rather than a
    ``summarize`` call per run: the per-call cost dominated with many small runs.
    """
    stats = _all_stats(runs, metrics)
    return [
        RunSummary(
            name=run.ref.name,
            path=str(run.ref.path),
            format=run.ref.format,
            params=dict(run.params),
            resumed=run.resumed,
            status=run.status,
            warnings=tuple(str(issue) for issue in run.issues),
            metrics=stats.get(str(index), {}),
        )
        for index, run in enumerate(runs)
    ]


def _all_stats(
    runs: Sequence[RunData], metrics: re.Pattern[str] | None
) -> dict[str, dict[str, dict[str, float | None]]]:
    """run index (as str) -> metric -> statistics, metrics sorted by name within a run."""
    by_run: dict[str, dict[str, dict[str, float | None]]] = {}
    for run_index, table in _summaries(runs):
        columns = [table.get_column(name).to_list() for name in STATS_KEYS]
        for metric, *values in zip(*columns):
            if metrics is None or metrics.search(metric):
                stats = {name: _as_float(value) for name, value in zip(STATS, values, strict=True)}
                by_run.setdefault(run_index, {})[metric] = stats
    return by_run


def _summaries(runs: Sequence[RunData]) -> list[tuple[str, pl.DataFrame]]:
    """(run index, summary table) pairs: the tables loading made, then the runs of one
    :func:`summarize_runs` over the runs that have none."""
    made = [(str(i), run.summary) for i, run in enumerate(runs) if run.summary is not None]
    missing = [(str(i), run.points) for i, run in enumerate(runs) if run.summary is None]
    if not missing:
        return made
    table = summarize_runs(missing)
    return made + [(key[0], part) for key, part in table.group_by("run", maintain_order=True)]


def _as_float(value: object) -> float | None:
    """A statistic as float, None when missing."""
    return None if value is None else float(value)  # type: ignore[arg-type]


def _cells(stats: Mapping[str, float | None]) -> list[str]:
    """Formatted cells of one metric row, in :data:`STATS` order."""
    cells = []
    for name in STATS:
        value = stats[name]
        if name in _INTS:
            cells.append("-" if value is None else str(int(value)))
        elif name in _STEPS:
            cells.append(fmt_step(value))
        else:
            cells.append(fmt_value(value))
    return cells


def _heading(run: RunSummary) -> str:
    """Run name, format and path, and whether it was resumed."""
    flags = ", resumed" if run.resumed else ""
    return printable(f"{run.name} ({run.format}{flags}) {run.path}")


def _tables(runs: Sequence[RunSummary], markdown: bool) -> str:
    """One table per run, headed by its name; Markdown or aligned text."""
    headers = ["metric", *STATS]
    align = "l" + "r" * len(STATS)
    render = markdown_table if markdown else text_table
    blocks = []
    for run in runs:
        rows = [[printable(metric), *_cells(stats)] for metric, stats in run.metrics.items()]
        head = f"### {_heading(run)}" if markdown else _heading(run)
        body = render(headers, rows, align) if rows else "(no metrics)"
        blocks.append(f"{head}\n\n{body}" if markdown else f"{head}\n{body}")
    return "\n\n".join(blocks) + "\n"


def summary_text(runs: Sequence[RunSummary]) -> str:
    """Aligned plain-text tables for a terminal."""
    return _tables(runs, markdown=False)


def summary_markdown(runs: Sequence[RunSummary]) -> str:
    """Markdown tables for a paper or a README."""
    return _tables(runs, markdown=True)


def summary_json(runs: Sequence[RunSummary]) -> str:
    """Strict JSON (``{"runs": [...]}``); NaN and inf are written as null."""
    payload = {"runs": [_run_json(run) for run in runs]}
    try:
        return orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode() + "\n"
    except TypeError:  # an integer param beyond 64 bits, which orjson refuses
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _run_json(run: RunSummary) -> dict[str, object]:
    """One run as a JSON object with typed statistics."""
    params = {k: json_number(v) if isinstance(v, float) else v for k, v in run.params.items()}
    return {
        "name": run.name,
        "path": run.path,
        "format": run.format,
        "params": params,
        "resumed": run.resumed,
        "status": run.status,
        "warnings": list(run.warnings),
        "metrics": {m: _stats_json(stats) for m, stats in run.metrics.items()},
    }


def _stats_json(stats: Mapping[str, float | None]) -> dict[str, int | float | None]:
    """Statistics typed for JSON: ints for counts and integer steps, null for non-finite."""
    out: dict[str, int | float | None] = {}
    for name in STATS:
        value = stats[name]
        if name in _INTS:
            out[name] = 0 if value is None else int(value)
        elif name in _STEPS:
            out[name] = json_step(value)
        else:
            out[name] = json_number(value)
    return out


def summary_csv(runs: Sequence[RunSummary]) -> str:
    """One CSV row per run x metric; non-finite values as ``nan``/``inf``, missing empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["run", "path", "metric", *STATS])
    for run in runs:
        for metric, stats in run.metrics.items():
            json_stats = _stats_json(stats)
            cells = [_csv_cell(json_stats[s], stats[s]) for s in STATS]
            writer.writerow([run.name, run.path, metric, *cells])
    return buffer.getvalue()


def _csv_cell(typed: int | float | None, raw: float | None) -> str:
    """Full-precision cell: the typed value, or the raw non-finite value, or empty."""
    if typed is not None:
        return repr(typed) if isinstance(typed, float) else str(typed)
    return "" if raw is None else repr(raw)
