"""What each pane shows, computed from the catalog and the View: the plotted runs, plot specs
(single plot or grid page), cursor readings, run rows, the status, which panes are visible."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from rich.text import Text
from textual.dom import DOMNode

from curvelens.core.printable import printable
from curvelens.tui import plotdata
from curvelens.tui import state as st
from curvelens.tui.anomalies import Found, SeriesMap
from curvelens.tui.catalog import Catalog
from curvelens.tui.overlays import nonfinite_steps
from curvelens.tui.plotdata import Visible
from curvelens.tui.runs import MARKERS, PALETTE, RunEntry, group_of
from curvelens.tui.state import View
from curvelens.tui.text import fmt_step
from curvelens.tui.widgets.metric_plot import PlotSpec
from curvelens.tui.widgets.readout import Reading
from curvelens.tui.widgets.run_table import RunRow
from curvelens.tui.widgets.status_bar import Status

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Looks:
    """How plotted runs are told apart: colour, marker and label per run id."""

    colors: dict[str, RGB]
    markers: dict[str, str]
    labels: dict[str, str]
    no_color: bool = False


def plotted(view: View, shown: list[RunEntry]) -> list[str]:
    """Runs drawn: the baseline first, then the selection; runs the filter hides leave."""
    ids = {e.id for e in shown if e.loaded and not e.error}
    base = [view.baseline] if view.baseline in ids else []
    return base + [i for i in view.selected if i in ids and i != view.baseline]


def looks(
    catalog: Catalog, ids: list[str], slots: dict[str, int], view: View, no_color: bool
) -> Looks:
    """Colour, marker and legend label of every plotted run."""
    colors = {i: PALETTE[slots[i] % len(PALETTE)] for i in ids}
    markers = {i: MARKERS[slots[i] % len(MARKERS)] for i in ids}
    labels = {i: catalog.entries[i].name + (" (base)" if i == view.baseline else "") for i in ids}
    return Looks(colors, markers, labels, no_color)


def run_rows(
    catalog: Catalog, view: View, shown: list[RunEntry], slots: dict[str, int]
) -> list[RunRow]:
    """The run list's rows; a group heading only on each group's first row."""
    values, rows, last_group = catalog.values(view.metric), [], None
    for entry in shown:
        group = group_of(entry, view.group_by) if view.group_by else ""
        heading = group if group != last_group else ""
        last_group = group
        last, best, step = values.get(entry.id, (None, None, None))
        rows.append(RunRow(entry, slots.get(entry.id), entry.id == view.baseline,
                           entry.id in view.pins, last, best, step, heading))  # fmt: skip
    return rows


def plot_spec(catalog: Catalog, view: View, ids: list[str], look: Looks, width: int,
              small: bool = False) -> PlotSpec:  # fmt: skip
    """The spec of one plot of ``view.metric``."""
    views = plotdata.compute(catalog.store, ids, view)
    empty = "select runs (space) to plot them" if not ids else "no data here"
    if catalog.partial.intersection(ids):
        empty = "loading the other metrics…"
    if ids and not views and view.x_axis != "step":
        empty = f"these runs log no {view.x_axis}"
    return PlotSpec(
        traces=plotdata.traces(views, view, max(width, 10), catalog.store),
        colors=look.colors, labels=look.labels, x_axis=view.x_axis, log_y=view.log_y,
        xlim=view.x_range, ylim=plotdata.y_limits(views, view, catalog.store),
        cursor=None if small else view.cursor, title=printable(view.metric or "") if small else "",
        empty=empty, markers=look.markers if look.no_color else {},
    )  # fmt: skip


def grid_metrics(catalog: Catalog, view: View, ids: list[str], grid: bool = True) -> list[str]:
    """Metrics of the plotted runs; for the grid, those matching the grid's filter."""
    from curvelens.tui.screens.picker import matching

    metrics = catalog.metrics(ids or None)
    return (matching(metrics, view.metric_filter) or metrics) if grid else metrics


def grid_specs(catalog: Catalog, view: View, ids: list[str], look: Looks, width: int,
               size: int) -> tuple[list[PlotSpec], str]:  # fmt: skip
    """Specs of the grid page holding the current metric, and the pane title."""
    metrics = grid_metrics(catalog, view, ids)
    index = metrics.index(view.metric) if view.metric in metrics else 0
    page = index // max(size, 1)
    specs = [plot_spec(catalog, replace(view, metric=m), ids, look, width, small=True)
             for m in metrics[page * size : page * size + size]]  # fmt: skip
    pages = max(1, -(-len(metrics) // max(size, 1)))
    title = f"{len(metrics)} metrics"
    title += f" matching /{printable(view.metric_filter)}/" if view.metric_filter else ""
    return specs, f"{title} · page {page + 1}/{pages}" + (" · [ ] pages" if pages > 1 else "")


def x_label(view: View, x: float) -> str:
    """The cursor position in the x axis's units."""
    if view.x_axis == "wall":
        return time.strftime("%m-%d %H:%M:%S", time.localtime(x))
    if view.x_axis == "relative":
        return f"+{x / 3600:.2f}h"
    return f"{printable(view.x_axis)} {fmt_step(x)}"


def readings(views: list[Visible], view: View, look: Looks) -> tuple[str, list[Reading]]:
    """(where, one reading per plotted run): values at the cursor, else the last visible."""
    out = []
    for v in views:
        at = (
            (float(v.step[-1]), float(v.y[-1]))
            if view.cursor is None
            else plotdata.value_at(v, view.cursor)
        )
        out.append(Reading(look.labels.get(v.run_id, v.run_id), look.colors.get(v.run_id),
                           look.markers.get(v.run_id, "●") if look.no_color else "●",
                           at[1] if at else None))  # fmt: skip
    return ("last" if view.cursor is None else x_label(view, view.cursor)), out


def nan_note(views: list[Visible]) -> Text:
    """``NaN/inf @ 120, 450`` for the visible points' non-finite stretches."""
    bad = sorted({s for v in views for s in nonfinite_steps(v)})
    if not bad:
        return Text()
    return Text("NaN/inf @ " + ", ".join(fmt_step(s) for s in bad[:4]), style="bold yellow")


def status(
    catalog: Catalog, view: View, shown: int, plotted_count: int, current: str | None
) -> Status:
    """The status bar's content."""
    flags = [f"{view.smoothing} {view.weight:.2f}" if view.smoothing != "off" else "raw"]
    flags += ["log y"] if view.log_y else []
    flags += [f"x {printable(view.x_axis)}"] + (["no outliers"] if view.ignore_outliers else [])
    flags += ["zoom"] if view.x_range else []
    flags += ["grid"] if view.grid else []
    flags += [f"by {printable(view.group_by)}"] if view.group_by else []
    flags += ["follow"] if view.follow else []
    entry = catalog.entries.get(current or "")
    hidden = len(view.selected) - plotted_count if view.filter else 0
    return Status(
        loaded=catalog.loaded, total=catalog.total, shown=shown, selected=len(view.selected),
        warnings=len(catalog.issues), view=" · ".join(flags),
        hint=f"{entry.path} ({entry.format})" if entry else "",
        error=(entry.error or "") if entry else "",
        empty=bool(view.filter) and shown == 0 and bool(catalog.entries),
        hidden=max(hidden, 0), poll=catalog.poll, partial=len(catalog.partial),
    )  # fmt: skip


def anomaly_series(catalog: Catalog, ids: list[str]) -> SeriesMap:
    """(run, metric) -> (steps, raw values) of every metric of the plotted runs."""
    store = catalog.store
    return {
        (run_id, metric): (s.step, s.value)
        for run_id in ids
        for metric in store.metrics([run_id])
        if (s := store.get(run_id, metric)) is not None
    }


def jump_to(catalog: Catalog, view: View, found: Found) -> View:
    """``view`` showing ``found``'s metric with the cursor on its step (on the step axis when
    the run logs no x value there)."""
    series = catalog.store.get(found.run_id, found.metric)
    if series is None or not series.step.size:
        return view
    index = min(int(np.searchsorted(series.step, found.step)), series.step.size - 1)
    axis = catalog.store.get(found.run_id, view.x_axis)
    x = float(plotdata.axis_values(series, view.x_axis, axis)[index])
    if not np.isfinite(x):
        return st.jump(view, found.metric, found.step, "step")
    return st.jump(view, found.metric, x, view.x_axis)


def pane_of(node: object) -> str | None:
    """The id of the pane (one of :data:`~curvelens.tui.state.PANES`) holding ``node``."""
    while node is not None and getattr(node, "id", None) not in st.PANES:
        node = getattr(node, "parent", None)
    return getattr(node, "id", None)


def show_layout(screen: DOMNode, maximised: str | None) -> None:
    """Show only the ``maximised`` pane (and its row) of ``screen``, or every pane."""
    for row, members in (("top", st.PANES[:2]), ("bottom", st.PANES[2:])):
        screen.query_one(f"#{row}").display = maximised is None or maximised in members
        screen.query_one(f"#{row}").set_class(maximised in members, "-max")
    for pane in st.PANES:
        screen.query_one(f"#{pane}").display = maximised is None or pane == maximised
        screen.query_one(f"#{pane}").set_class(pane == maximised, "-max")
