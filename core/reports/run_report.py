"""The ``report`` command's files: per run or group, summaries, text plots and PNG figures.

Everything is planned first (path -> content) so existing files can be refused before
anything is written. Text plots come from :mod:`.textplot` (plotext, imported when drawing);
PNGs from matplotlib when the optional ``png`` extra is installed. With two groups or more
the comparison (text, Markdown, JSON) is written too. A ``README.md`` index lists every file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from curvelens.core.analysis.downsample import minmax_downsample
from curvelens.core.analysis.groups import mean_by_step
from curvelens.core.analysis.summary import series
from curvelens.core.comparison.model import Comparison
from curvelens.core.naming import run_names
from curvelens.core.outputs import unique_names, write_text
from curvelens.core.reports.summary import build_summary, summary_markdown, summary_text
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
NO_PNG = "(PNG figures skipped: install the `png` extra, `pip install curvelens[png]`)"
MAX_FIGURES = 60
"""Figures per run or group at most: a run logging thousands of metrics gets a report, not
thousands of plots."""
#: Names the report itself uses at its top level: no run or group folder may take one.
RESERVED = (
    "README.md",
    "summary.txt",
    "summary.md",
    "comparison",
    "compare.txt",
    "compare.md",
    "compare.json",
)

Curve = tuple[Sequence[float], Sequence[float]]
Series = dict[str, Curve]


@dataclass(frozen=True)
class Figure:
    """One plot: named series, a title and whether the y axis is logarithmic."""

    title: str
    stem: str
    series: Series
    logy: bool


@dataclass(frozen=True)
class PlannedFile:
    """A file the report will write, and what it is."""

    path: Path
    what: str
    """One line for the README index."""
    text: str | None = None
    """Text content, or None for a PNG figure."""
    figure: Figure | None = None


def _downsampled(steps: np.ndarray, values: np.ndarray) -> Curve:
    """A curve min/max downsampled to about the width of a plot."""
    if steps.size > 8 * PLOT_WIDTH:
        steps, values = minmax_downsample(steps, values, 2 * PLOT_WIDTH)
    return np.asarray(steps).tolist(), np.asarray(values).tolist()


def mean_curve(runs: Sequence[RunData], metric: str) -> Curve:
    """Per-step mean over ``runs`` of the finite values of ``metric`` (NaN where none is)."""
    frames = [r.points.filter(pl.col("metric") == metric) for r in runs]
    stacked = pl.concat([f.select("step", "value") for f in frames])
    mean = mean_by_step(stacked)
    steps = mean.get_column("step").to_numpy().astype(np.float64)
    return _downsampled(steps, mean.get_column("value").to_numpy().astype(np.float64))


def _curves(runs: Sequence[RunData], metric: str) -> Curve:
    """One run's curve of ``metric``, or the mean curve of several runs."""
    if len(runs) == 1:
        return _downsampled(*series(runs[0].points, metric))
    return mean_curve(runs, metric)


def figures(runs: Sequence[RunData]) -> list[Figure]:
    """Plots of one run (or the mean curves of a group): one per metric family, then one per
    remaining metric, :data:`MAX_FIGURES` at most (the summary still lists every metric)."""
    metrics = sorted({m for r in runs for m in r.metrics})
    label = "" if len(runs) == 1 else f" (mean of {len(runs)} runs)"
    used: set[str] = set()
    out = []
    for title, stem, pattern, logy in FAMILIES:
        members = [m for m in metrics if re.search(pattern, m) and m not in used]
        if members:
            used.update(members)
            curves = {m: _curves(runs, m) for m in members}
            out.append(Figure(title + label, stem, curves, logy))
    rest = [m for m in metrics if m not in used][: max(0, MAX_FIGURES - len(out))]
    for m, stem in zip(rest, unique_names(rest, [f.stem for f in out]), strict=True):
        out.append(Figure(m + label, stem, {m: _curves(runs, m)}, False))
    return out


def comparison_figures(groups: Mapping[str, Sequence[RunData]]) -> list[Figure]:
    """One figure per metric with one curve per group (its mean curve), like the old
    ``mode*_comparison.png``; :data:`MAX_FIGURES` at most."""
    metrics = sorted({m for runs in groups.values() for r in runs for m in r.metrics})
    metrics = metrics[:MAX_FIGURES]
    out = []
    for m, stem in zip(metrics, unique_names(metrics), strict=True):
        curves = {
            g: _curves(runs, m) for g, runs in groups.items() if any(m in r.metrics for r in runs)
        }
        logy = bool(re.search(r"ppl|perplexity", m))
        out.append(Figure(f"{m} comparison", f"{stem}_comparison", curves, logy))
    return out


def _plots_text(figs: Sequence[Figure]) -> str:
    """All figures drawn as text."""
    from curvelens.core.reports.textplot import render_series

    return "\n".join(
        render_series(f.series, f.title, PLOT_WIDTH, PLOT_HEIGHT, f.logy) for f in figs
    )


def _figure_files(folder: Path, figs: Sequence[Figure], png: bool) -> list[PlannedFile]:
    """The text plots of ``figs`` and, with ``png``, one PNG per figure."""
    files = [PlannedFile(folder / "plots.txt", "text plots", _plots_text(figs))]
    if png:
        files += [PlannedFile(folder / f"{f.stem}.png", f.title, figure=f) for f in figs]
    return files


def plan_report(
    groups: Mapping[str, Sequence[RunData]],
    how: str,
    out: Path,
    png: bool,
    comparison: Comparison | None = None,
) -> list[PlannedFile]:
    """Every file of the report: top-level summaries, one folder per run or group, the
    group comparison figures and ``comparison`` (with two groups or more), the README."""
    runs = [r for members in groups.values() for r in members]
    summaries = build_summary(runs, None)
    planned = [
        PlannedFile(out / "summary.txt", "every run and metric (text)", summary_text(summaries)),
        PlannedFile(
            out / "summary.md", "every run and metric (Markdown)", summary_markdown(summaries)
        ),
    ]
    names = run_names(runs)
    wanted = [names[m[0].ref.id] if len(m) == 1 else g for g, m in groups.items()]
    for folder_name, members in zip(unique_names(wanted, RESERVED), groups.values()):
        folder = out / folder_name
        mine = build_summary(members, None)
        planned += [
            PlannedFile(folder / "summary.txt", "summary (text)", summary_text(mine)),
            PlannedFile(folder / "summary.md", "summary (Markdown)", summary_markdown(mine)),
            *_figure_files(folder, figures(members), png),
        ]
    if len(groups) >= 2:
        planned += _figure_files(out / "comparison", comparison_figures(groups), png)
    if comparison is not None and len(comparison.groups) >= 2:
        planned += _comparison_files(out, comparison)
    notes = [NO_PNG] if not png else []
    index = _readme(planned, groups, names, how, out, notes)
    return [*planned, PlannedFile(out / "README.md", "this index", index)]


def _comparison_files(out: Path, comparison: Comparison) -> list[PlannedFile]:
    """The comparison as ``compare`` writes it: text, Markdown and JSON."""
    from curvelens.core.reports.compare_json import compare_json
    from curvelens.core.reports.compare_writers import compare_markdown, compare_text

    return [
        PlannedFile(
            out / "compare.txt", "comparison of the groups (text)", compare_text(comparison)
        ),
        PlannedFile(
            out / "compare.md", "comparison of the groups (Markdown)", compare_markdown(comparison)
        ),
        PlannedFile(
            out / "compare.json", "comparison of the groups (JSON)", compare_json(comparison)
        ),
    ]


def _readme(
    planned: Sequence[PlannedFile],
    groups: Mapping[str, Sequence[RunData]],
    names: Mapping[str, str],
    how: str,
    out: Path,
    notes: Sequence[str],
) -> str:
    """The index: how runs were grouped, each group's runs, and every file written."""
    lines = ["# curvelens report", "", f"Grouping: {how}", ""]
    for name, members in groups.items():
        shown = [f"{names[r.ref.id]} (`{r.ref.path}`)" for r in members]
        if len(members) == 1 and names[members[0].ref.id] == name:
            shown = [f"`{members[0].ref.path}`"]
        lines.append(f"- {name}: " + ", ".join(shown))
    lines += ["", "| file | what |", "| --- | --- |"]
    lines += [f"| `{f.path.relative_to(out)}` | {f.what} |" for f in planned]
    lines += ["| `README.md` | this index |", ""]
    return "\n".join([*lines, *notes]).rstrip() + "\n"


def conflicts(planned: Sequence[PlannedFile]) -> list[Path]:
    """Planned paths that already exist."""
    return [f.path for f in planned if f.path.exists()]


def write_report(planned: Sequence[PlannedFile]) -> None:
    """Write every planned file (text sanitized, figures through matplotlib); the caller has
    checked the paths (:func:`curvelens.core.outputs.check_output`)."""
    for f in planned:
        f.path.parent.mkdir(parents=True, exist_ok=True)
        if f.text is not None:
            write_text(f.path, f.text, force=True)
        elif f.figure is not None:
            from curvelens.core.reports.figures import save_png

            save_png(f.figure.series, f.figure.title, f.figure.logy, f.path)
