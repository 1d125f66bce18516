"""The main screen: run list, plot (or grid) with its readout, stats, compare and status bar.

It holds one :class:`~curvelens.tui.state.View` as a reactive; every action
(:mod:`curvelens.tui.screens.view`) replaces it with a pure transition, and
:meth:`watch_view` refreshes only the panes whose inputs changed. Widgets post messages
(toggled, cursor moved, sort clicked, detail requested) that are answered here; loading and
analysis run in thread workers (:mod:`curvelens.tui.jobs`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer, Input
from textual.worker import Worker, get_current_worker

from curvelens.core.live.poller import Poller
from curvelens.core.live.session import LiveRuns
from curvelens.tui import jobs, loader, panes
from curvelens.tui import messages as msg
from curvelens.tui import state as st
from curvelens.tui.catalog import Catalog
from curvelens.tui.comparer import Comparer, compare_request
from curvelens.tui.keys import MAIN_BINDINGS
from curvelens.tui.runs import assign_slots
from curvelens.tui.screens.detail import DetailScreen
from curvelens.tui.screens.view import ViewScreen
from curvelens.tui.sources import Sources
from curvelens.tui.summaries import Summaries
from curvelens.tui.widgets.compare_table import CompareTable
from curvelens.tui.widgets.metric_plot import MetricPlot
from curvelens.tui.widgets.plot_pane import PlotPane
from curvelens.tui.widgets.run_table import RunTable
from curvelens.tui.widgets.runs_pane import RunsPane
from curvelens.tui.widgets.stats_table import StatsTable
from curvelens.tui.widgets.status_bar import StatusBar

RUN_REQUESTS: dict[type[Message], Callable[[st.View, str | None], st.View]] = {
    RunTable.Toggled: st.toggle_select,
    RunTable.PinToggled: st.toggle_pin,
    RunTable.BaselineToggled: st.toggle_baseline,
}
"""The transition answering each per-run request of the run list."""


class MainScreen(ViewScreen):
    """Everything on one screen; keys in :data:`~curvelens.tui.keys.MAIN_BINDINGS`."""

    BINDINGS: ClassVar[list[BindingType]] = [*MAIN_BINDINGS]

    def __init__(
        self, sources: Sources, view: st.View, clock: Callable[[], float] = time.time,
        poll_interval: float = 0.0,
    ) -> None:  # fmt: skip
        super().__init__()
        self.sources, self.paths, self.clock = sources, list(sources.paths), clock
        self.live = _live(sources, poll_interval)
        """Core's live poller of the runs on disk; None when following is off."""
        self._polling = self._forced = False
        self.catalog = Catalog()
        self.slots: dict[str, int] = {}
        self._slots_settled = False
        self._splitting: set[str] = set()
        """Runs a worker is splitting into series now."""
        self.no_color = False
        self.set_reactive(MainScreen.view, view)
        self.comparer = Comparer(
            partial(self._thread, group="analysis"), self.post_message, self.set_timer
        )
        self.summaries = Summaries(partial(self._thread, group="stats"), self.post_message)

    def compose(self) -> ComposeResult:
        """Run list left, plot right, stats and compare below, status and footer at the bottom."""
        self.no_color = self.app.no_color  # Textual takes NO_COLOR out of the environment
        with Horizontal(id="top"):
            yield RunsPane(self.no_color, id="runs-pane")
            yield PlotPane(id="plot-pane")
        with Horizontal(id="bottom"):
            yield StatsTable(id="stats")
            yield CompareTable(id="compare")
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Empty panes at once, then load in a worker."""
        self.query_one("#stats").border_title = Text("stats (visible range)")
        self.query_one(RunsPane).show_filter(self.view.filter)
        self.refresh_panes(set(st.PANE_INPUTS))
        self._thread(self._load, "load")

    def _thread(self, work: Callable[[], None], group: str) -> None:
        """Run ``work`` in a thread worker of ``group`` (failures are reported by the app)."""
        self.run_worker(work, thread=True, group=group, exit_on_error=False, description=group)

    def _load(self) -> None:
        worker = get_current_worker()
        cancelled = lambda: worker.is_cancelled  # noqa: E731
        loader.load(self.sources, self.view, self.post_message, cancelled, self.live)

    def _poll(self) -> None:
        """Poll the runs on disk in a worker, unless a poll is running."""
        if self.live is not None and not self._polling:
            self._polling = True
            self._thread(partial(jobs.poll, self.live, self.post_message), "poll")

    def action_reload(self) -> None:
        """Poll the runs on disk now (the status bar then says what it found)."""
        self._forced = True
        self._poll()

    @on(msg.RunsUpdated)
    def _updated(self, message: msg.RunsUpdated) -> None:
        """New points: the runs they changed are replaced, the view (zoom, cursor,
        selection, pins, scroll) kept; with follow on, a zoom slides to the newest step.
        The status bar says when a poll found something (or ``R`` asked for one)."""
        if message.runs or self._forced:
            when = time.strftime("%H:%M:%S", time.localtime(self.clock()))
            self.catalog.poll = f"polled {when}: {message.report.found()}"
            self._forced = False
        if not message.runs:
            self.refresh_panes(set())
            return
        self.catalog.update(list(message.runs), message.new)
        self.set_reactive(MainScreen.view, st.follow_newest(self.view, self.full_extent()))
        self.refresh_panes(set(st.PANE_INPUTS))

    @on(msg.RunsDiscovered)
    def _discovered(self, message: msg.RunsDiscovered) -> None:
        self.catalog.discovered(message.runs, message.issues)
        self.refresh_panes({"runs"})

    @on(msg.RunsLoaded)
    def _loaded(self, message: msg.RunsLoaded) -> None:
        self.catalog.add(message.runs)
        self.set_reactive(MainScreen.view, self.catalog.first_view(self.view))
        self.refresh_panes(set(st.PANE_INPUTS))

    @on(msg.RunsCompleted)
    def _completed(self, message: msg.RunsCompleted) -> None:
        """Partial runs read whole: replaced like a poll's runs (the view is kept)."""
        self.catalog.update(message.runs, ())
        self.refresh_panes(set(st.PANE_INPUTS))

    @on(msg.SeriesSplit)
    def _split(self, message: msg.SeriesSplit) -> None:
        """Plotted runs' series are ready: draw them."""
        self._splitting.difference_update(run.ref.id for run, _ in message.runs)
        if self.catalog.split(message.runs):
            self.refresh_panes(set(st.PANE_INPUTS))

    @on(msg.LoadProgress)
    def _progress(self) -> None:
        self.refresh_panes({"status"})

    def watch_view(self, old: st.View, new: st.View) -> None:
        """Refresh the panes whose inputs changed."""
        self.refresh_panes(st.changed_panes(old, new))

    def refresh_panes(self, which: set[str]) -> None:
        """Redraw the named panes from the catalog and the view."""
        v, shown = self.view, self.catalog.shown(self.view)
        ids = panes.plotted(v, shown)
        # until every run has arrived (in no fixed order) slots follow the plotted order;
        # from the first refresh after that they stick
        self.slots = assign_slots(ids, self.slots if self._slots_settled else {})
        self._slots_settled = self.catalog.loaded == self.catalog.total
        look = panes.looks(self.catalog, ids, self.slots, v, self.no_color)
        if "layout" in which:
            panes.show_layout(self, v.maximised)
        if "runs" in which:
            rows = panes.run_rows(self.catalog, v, shown, self.slots)
            matched = bool(shown) or not v.filter or not self.catalog.entries
            self.query_one(RunsPane).show(rows, self.clock(), v, matched)
        if need := [r for r in self.catalog.unsplit_of(ids) if r.ref.id not in self._splitting]:
            self._splitting.update(r.ref.id for r in need)
            self._thread(partial(loader.split, need, self.post_message), "series")
        if "plot" in which:
            self.query_one(PlotPane).show(self.catalog, v, ids, look, self.comparer)
        if {"stats", "compare"} & which:  # after the plot's frame: it never waits for them
            self.call_after_refresh(self._analyse, which & {"stats", "compare"}, ids, look)
        current = self.query_one(RunTable).current_run()
        status = panes.status(self.catalog, v, len(shown), len(ids), current)
        self.query_one(StatusBar).set_status(status)

    def _analyse(self, which: set[str], ids: list[str], look: panes.Looks, wait: int = 20) -> None:
        """Stats (at once when known, else from a worker) and the comparison request, once
        the plot's new frame is out (their workers would compete with it for the CPU)."""
        if wait and self.query_one(MetricPlot).frame_pending:  # checked every 10 ms, 0.2 s at most
            self.set_timer(0.01, partial(self._analyse, which, ids, look, wait - 1))
            return
        v = self.view
        if "stats" in which and (summary := self.summaries.get(self.catalog, v, ids)) is not None:
            self.query_one(StatsTable).show(summary, look.labels, look.colors, v.baseline)
        if "compare" in which and self.catalog.complete:  # the engine (scipy) after loading
            width = self.query_one(MetricPlot).size.width
            self.comparer.request(compare_request(self.catalog, v, ids, width))

    @on(msg.StatsReady)
    def _stats_ready(self, message: msg.StatsReady) -> None:
        if self.summaries.accept(self.catalog, message):
            self.refresh_panes({"stats"})

    def on_resize(self, event: events.Resize) -> None:
        """Tighter layout on small terminals (the panes re-fit on their own resize)."""
        self.set_class(event.size.height < 32, "-short")
        self.set_class(event.size.width < 110, "-narrow")

    @on(RunTable.Toggled)
    @on(RunTable.PinToggled)
    @on(RunTable.BaselineToggled)
    def _run_request(self, m: RunTable.Toggled) -> None:
        self.view = RUN_REQUESTS[type(m)](self.view, m.run_id)

    @on(RunTable.SortClicked)
    def _sort_clicked(self, m: RunTable.SortClicked) -> None:
        self.view = st.sort_by(self.view, m.column)

    @on(RunTable.CursorMoved)
    def _run_cursor(self) -> None:
        self.refresh_panes(set())

    @on(RunTable.DetailRequested)
    def _detail(self, m: RunTable.DetailRequested) -> None:
        ids = [i for i in self.view.selected if i in self.catalog.entries]
        ids = ids if len(ids) >= 2 and m.run_id in ids else [m.run_id] if m.run_id else []
        if ids:
            self.app.push_screen(DetailScreen([self.catalog.entries[i] for i in ids]))

    @on(MetricPlot.CursorMoved)
    def _plot_cursor(self, m: MetricPlot.CursorMoved) -> None:
        self.view = st.move_cursor(self.view, m.direction, self.view.x_range or self.full_extent())

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.view = st.set_filter(self.view, event.value)

    @on(msg.AnalysisReady)
    def _analysed(self, message: msg.AnalysisReady) -> None:
        if self.comparer.accept(message) and (result := self.comparer.result) is not None:
            table = self.query_one(CompareTable)
            table.show(result.comparison, result.metric, self.looks().colors)
            self.refresh_panes({"plot"})

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "analysis" and event.worker.is_finished:
            self.comparer.finished()
        if event.worker.group in ("load", "poll") and event.worker.is_finished:
            self._polling = self._polling and event.worker.group != "poll"
            if self.live is not None:  # the next poll: the interval after this one ended
                self.set_timer(self.live.interval, self._poll)


def _live(sources: Sources, interval: float) -> LiveRuns | None:
    """Core's live runs under ``sources`` polled every ``interval`` seconds; None when 0."""
    if interval <= 0:
        return None
    roots = [Path(path) for path in sources.paths if Path(path).is_dir()]
    poller = Poller(roots, pattern=sources.pattern, exclude=sources.exclude,
                    follow_links=sources.follow_links)  # fmt: skip
    return LiveRuns(poller, interval=interval)
