"""Export of the current view's summary (stats of the visible range, comparison rows, seed
groups) to a Markdown file named after the metric and the time, never over an existing file
and never inside a run folder; tables are written by the core report formatters."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from curvelens.core.outputs import protected_by, protected_folders
from curvelens.core.reports.format import fmt_step, fmt_value, markdown_table
from curvelens.tui.analysis import DIVERGENCE_RULE, Comparison
from curvelens.tui.widgets.compare_table import (
    GROUP_HEADERS,
    RUN_HEADERS,
    group_rows,
    pair_line,
    run_rows,
)

STATS = (
    ("count", "n"), ("first", "first"), ("last", "last"), ("min", "min"),
    ("min_step", "min @"), ("max", "max"), ("max_step", "max @"), ("mean", "mean"),
    ("std", "std"), ("nan_count", "nan"),
)  # fmt: skip
"""(summary column, header) of the exported stats table."""
_STEPS = {"count", "nan_count", "min_step", "max_step"}


@dataclass(frozen=True)
class ExportView:
    """What the app shows now, as plain data."""

    metric: str
    labels: Mapping[str, str]
    """Run id -> name of every plotted run, in plot order."""
    baseline: str | None
    x_axis: str
    x_range: str
    """The visible range, e.g. ``full`` or ``100 .. 900``."""
    smoothing: str
    summary: pl.DataFrame
    """The stats pane's ``summarize`` rows (column ``run`` holds run ids)."""
    comparison: Comparison | None


def _stats_table(view: ExportView) -> str:
    """The stats pane as a Markdown table."""
    rows = {row["run"]: row for row in view.summary.iter_rows(named=True)}
    cells = []
    for run_id, name in view.labels.items():
        row = rows.get(run_id)
        if row is None:
            continue
        cells.append(
            [name] + [(fmt_step if k in _STEPS else fmt_value)(row.get(k)) for k, _ in STATS]
        )
    headers = ["run", *(h for _, h in STATS)]
    return markdown_table(headers, cells, "l" + "r" * len(STATS))


def markdown(view: ExportView, now: float) -> str:
    """The Markdown summary of ``view``."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
    base = view.labels.get(view.baseline or "", "none")
    lines = [
        f"# curvelens summary: {view.metric}",
        "",
        f"- exported: {stamp}",
        f"- runs: {', '.join(view.labels.values())}",
        f"- baseline: {base}",
        f"- x axis: {view.x_axis}; visible range: {view.x_range}",
        f"- smoothing: {view.smoothing}",
        "",
        "## Statistics of the visible range",
        "",
        _stats_table(view),
    ]
    c = view.comparison
    if c is not None and c.runs:
        reference = view.labels.get(c.reference or "", c.reference or "")
        lines += ["", f"## Against {reference}", "", f"{DIVERGENCE_RULE}.", ""]
        lines.append(markdown_table(RUN_HEADERS, run_rows(c, view.labels), "l" + "r" * 7))
    if c is not None and c.groups:
        lines += ["", "## Seed groups (final values)", ""]
        lines.append(markdown_table(GROUP_HEADERS, group_rows(c), "lrrr"))
        if line := pair_line(c):
            lines += ["", line]
    return "\n".join(lines) + "\n"


def export_dir(configured: str, protected: Sequence[Path], fallback: Path) -> Path:
    """Where exports go: the configured directory or the current one, unless that is inside
    a run folder or a root being read (:mod:`curvelens.core.outputs`), then ``fallback``."""
    target = Path(configured).expanduser() if configured else Path.cwd()
    folders = protected_folders(protected, [])
    return fallback if protected_by(target / "export.md", folders) else target


def write_export(text: str, directory: Path, metric: str, now: float) -> Path:
    """Write ``text`` to ``curvelens-<metric>-<time>.md`` in ``directory`` (created if needed),
    adding ``-2``, ``-3``... instead of replacing an existing file; returns the path."""
    directory.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", metric).strip("._") or "metric"
    stem = f"curvelens-{slug}-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}"
    for attempt in range(1, 1000):
        path = directory / (stem + (f"-{attempt}" if attempt > 1 else "") + ".md")
        try:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"too many exports named {stem} in {directory}")
