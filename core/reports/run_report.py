"""The ``report`` command's files: summaries as text and Markdown, text plots, PNG figures.

Everything is planned first (path -> writer) so existing files can be refused before
anything is written. Text plots come from an injected renderer (core never imports plotext);
PNGs from matplotlib when the optional ``png`` extra is installed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from curvelens.core.analysis.downsample import minmax_downsample
from curvelens.core.analysis.summary import series
from curvelens.core.reports.compare import display_names
from curvelens.core.reports.summary import RunSummary, build_summary, summary_markdown, summary_text
from curvelens.core.schema import RunData

#: Width and height (characters) of text plots.
PLOT_WIDTH, PLOT_HEIGHT = 100, 25
#: Plot families in the order the old scripts drew them: title, file stem, name regex, log y.
FAMILIES: tuple[tuple[str, str, str, bool], ...] = (
    ("Loss curves", "loss_curves", r"loss", False),
    ("Perplexity", "perplexity", r"ppl|perplexity", True),
    ("Learning rate", "learning_rate", r"(^|[_/])lr($|[-_/])|learning_rate", False),
    ("Gradient norm", "grad_norm", r"grad", False),
)
NO_TEXT_PLOTS = "(text plots unavailable: this command was run without the plot renderer)"
NO_PNG = "(PNG figures skipped: install the `png` extra, `pip install curvelens[png]`)"

Series = dict[str, tuple[Sequence[float], Sequence[float]]]
TextRenderer = Callable[[Series, str, int, int, bool], str]


@dataclass(frozen=True)
class Figure:
    """One plot: named series, a title and whether the y axis is logarithmic."""

    title: str
    stem: str
    series: Series
    logy: bool


@dataclass(frozen=True)
class PlannedFile:
    """A file the report will write, and how."""

    path: Path
    text: str | None = None
    """Text content, or None for a PNG figure."""
    figure: Figure | None = None


def safe_name(name: str) -> str:
    """A run name usable as one folder name."""
    return re.sub(r"[^A-Za-z0-9._=+-]+", "_", name).strip("._") or "run"


def figures(run: RunData) -> list[Figure]:
    """The run's plots: one per metric family, then one per remaining metric."""
    metrics = run.metrics
    used: set[str] = set()
    out = []
    for title, stem, pattern, logy in FAMILIES:
        members = [m for m in metrics if re.search(pattern, m) and m not in used]
        if members:
            used.update(members)
            out.append(Figure(title, stem, {m: _curve(run, m) for m in members}, logy))
    for m in metrics:
        if m not in used:
            out.append(Figure(m, safe_name(m), {m: _curve(run, m)}, False))
    return out


def _curve(run: RunData, metric: str) -> tuple[Sequence[float], Sequence[float]]:
    """A metric's curve, min/max downsampled to about the width of a plot."""
    steps, values = series(run.points, metric)
    if steps.size > 8 * PLOT_WIDTH:
        steps, values = minmax_downsample(steps, values, 2 * PLOT_WIDTH)
    return np.asarray(steps).tolist(), np.asarray(values).tolist()


def _plots_text(figs: Sequence[Figure], render: TextRenderer | None) -> str:
    """All figures of a run drawn as text, or the reason there are none."""
    if render is None:
        return NO_TEXT_PLOTS + "\n"
    return "\n".join(render(f.series, f.title, PLOT_WIDTH, PLOT_HEIGHT, f.logy) for f in figs)


def plan_report(
    runs: Sequence[RunData], out: Path, render: TextRenderer | None, png: bool
) -> list[PlannedFile]:
    """Every file of the report: top-level summaries, then one folder per run."""
    summaries = build_summary(runs, None)
    names = display_names(runs)
    planned = [
        PlannedFile(out / "summary.txt", summary_text(summaries)),
        PlannedFile(out / "summary.md", summary_markdown(summaries)),
    ]
    for run, summary in zip(runs, summaries, strict=True):
        folder = out / safe_name(names[run.ref.id])
        planned += _run_files(run, summary, folder, render, png)
    notes = [n for n, on in ((NO_TEXT_PLOTS, render is None), (NO_PNG, not png)) if on]
    planned.append(PlannedFile(out / "README.txt", _readme(runs, names, notes)))
    return planned


def _run_files(
    run: RunData, summary: RunSummary, folder: Path, render: TextRenderer | None, png: bool
) -> list[PlannedFile]:
    """A run's summary (text, Markdown), text plots and PNG figures."""
    figs = figures(run)
    files = [
        PlannedFile(folder / "summary.txt", summary_text([summary])),
        PlannedFile(folder / "summary.md", summary_markdown([summary])),
        PlannedFile(folder / "plots.txt", _plots_text(figs, render)),
    ]
    if png:
        files += [PlannedFile(folder / f"{f.stem}.png", figure=f) for f in figs]
    return files


def _readme(runs: Sequence[RunData], names: dict[str, str], notes: Sequence[str]) -> str:
    """What the report folder holds, which run each subfolder is, and what was skipped."""
    lines = ["curvelens report", "", "summary.txt / summary.md: every run and metric", ""]
    for run in runs:
        lines.append(f"{safe_name(names[run.ref.id])}/: {run.ref.path}")
    return "\n".join([*lines, "", *notes]).rstrip() + "\n"


def conflicts(planned: Sequence[PlannedFile]) -> list[Path]:
    """Planned paths that already exist."""
    return [f.path for f in planned if f.path.exists()]


def write_report(planned: Sequence[PlannedFile]) -> None:
    """Write every planned file (text directly, figures through matplotlib)."""
    for f in planned:
        f.path.parent.mkdir(parents=True, exist_ok=True)
        if f.text is not None:
            f.path.write_text(f.text)
        elif f.figure is not None:
            from curvelens.core.reports.figures import save_png

            save_png(f.figure.series, f.figure.title, f.figure.logy, f.path)
