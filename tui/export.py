"""Export of the current view to Markdown: the stats of the visible range, then the comparison
engine's own Markdown report of the compared runs (the numbers ``curvelens compare`` writes).
The file is named after the metric and the time, never replaces a file, and never lands in a
run folder or a root being read (:mod:`curvelens.core.outputs`): those go to the fallback."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from curvelens.core.comparison import Comparison
from curvelens.core.outputs import (
    OutputError,
    check_output,
    protected_by,
    protected_folders,
    safe_name,
    write_text,
)
from curvelens.core.printable import printable
from curvelens.core.reports.format import fmt_step, fmt_value, markdown_table
from curvelens.tui.catalog import Catalog
from curvelens.tui.panes import Looks
from curvelens.tui.state import View

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
        if row is not None:
            values = [(fmt_step if k in _STEPS else fmt_value)(row.get(k)) for k, _ in STATS]
            cells.append([name, *values])
    headers = ["run", *(h for _, h in STATS)]
    return markdown_table(headers, cells, "l" + "r" * len(STATS))


def markdown(view: ExportView, now: float) -> str:
    """The Markdown export of ``view``."""
    from curvelens.core.reports.compare_writers import compare_markdown

    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
    base = view.labels.get(view.baseline or "", "none")
    lines = [
        f"# curvelens summary: {printable(view.metric)}",
        "",
        f"- exported: {stamp}",
        f"- runs: {', '.join(view.labels.values())}",
        f"- baseline: {base}",
        f"- x axis: {printable(view.x_axis)}; visible range: {view.x_range}",
        f"- smoothing: {view.smoothing}",
        "",
        "## Statistics of the visible range",
        "",
        _stats_table(view),
    ]
    if view.comparison is not None:
        lines += ["", "## Comparison", "", compare_markdown(view.comparison).strip()]
    return "\n".join(lines) + "\n"


def export_dir(configured: str, protected: Sequence[Path], fallback: Path) -> Path:
    """Where exports go: the configured directory or the current one, unless that is inside
    a run folder or a root being read, then ``fallback``."""
    target = Path(configured).expanduser() if configured else Path.cwd()
    folders = protected_folders(protected, [])
    return fallback if protected_by(target / "export.md", folders) else target


def write_export(
    text: str, directory: Path, metric: str, now: float, protected: Sequence[Path] = ()
) -> Path:
    """Write ``text`` to ``curvelens-<metric>-<time>.md`` in ``directory``, adding ``-2``,
    ``-3``... instead of replacing a file; every path is checked by core's output rules."""
    folders = protected_folders(protected, [])
    stem = f"curvelens-{safe_name(metric)}-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}"
    for attempt in range(1, 1000):
        path = directory / (stem + (f"-{attempt}" if attempt > 1 else "") + ".md")
        if path.exists() or path.is_symlink():
            continue
        check_output(path, folders, force=False)
        try:
            write_text(path, text, force=False)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"too many exports named {stem} in {directory}")


def export_now(
    catalog: Catalog, view: View, look: Looks, summary: pl.DataFrame,
    comparison: Comparison | None, config: object, now: float, roots: Sequence[str] = (),
) -> tuple[str, bool]:  # fmt: skip
    """Write the view's export; returns (message for the user, success)."""
    from curvelens.tui.settings import state_dir

    if not view.metric:
        return "nothing to export: no metric shown", False
    span = f"{fmt_step(view.x_range[0])} .. {fmt_step(view.x_range[1])}" if view.x_range else "full"
    smoothing = f"{view.smoothing} weight {view.weight:.2f}" if view.smoothing != "off" else "off"
    data = ExportView(view.metric, look.labels, view.baseline, view.x_axis, span, smoothing,
                      summary, comparison)  # fmt: skip
    configured = str(getattr(config, "export_dir", "") or "")
    never = [*catalog.run_paths, *(Path(r) for r in roots)]
    directory = export_dir(configured, never, state_dir() / "exports")
    try:
        path = write_export(markdown(data, now), directory, view.metric, now, never)
    except (OSError, OutputError) as exc:
        return f"export failed: {exc}", False
    return f"exported to {path}", True
