"""The main screen: run list, plot (or grid), cursor readout, stats and status bar. It owns
the loaded data and the view state; panes only display what it hands them."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, Footer, Input, Static
from textual.worker import get_current_worker

from curvelens.core.schema import Issue, RunRef
from curvelens.tui.keys import MAIN_BINDINGS
from curvelens.tui.messages import LoadProgress, RunsDiscovered, RunsLoaded
from curvelens.tui.runlist import RunEntry, compile_filter
from curvelens.tui.screens.detail import DetailScreen
from curvelens.tui.screens.main_analysis import AnalysisControls
from curvelens.tui.screens.main_view import ViewControls
from curvelens.tui.series import SeriesStore, split_points
from curvelens.tui.settings import ViewState
from curvelens.tui.widgets.compare_table import CompareTable
from curvelens.tui.widgets.metric_plot import MetricPlot
from curvelens.tui.widgets.plot_grid import PlotGrid
from curvelens.tui.widgets.run_table import RunTable
from curvelens.tui.widgets.stats_table import StatsTable
from curvelens.tui.widgets.status_bar import StatusBar

BATCH_SECONDS = 0.2
"""Loaded runs are posted to the UI at most this often (the first one at once)."""
BATCH_SECONDS_PER_RUN = 0.002
"""...and no more often than this times the runs loaded so far: every batch rebuilds the run
list (about 0.25 ms a row), so with a thousand runs fixed-rate batches would spend most of the
time redrawing the list and starve the loader."""


class MainScreen(AnalysisControls, ViewControls):
    """Everything on one screen; workers discover and load runs without blocking it."""

    BINDINGS: ClassVar[list[BindingType]] = [*MAIN_BINDINGS]

    def __init__(
        self,
        paths: Sequence[str],
        pattern: str | None,
        exclude: Sequence[str],
        state: ViewState,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.paths, self.pattern, self.exclude = list(paths), pattern, tuple(exclude)
        self.clock = clock
        self.store = SeriesStore()
        self.entries: dict[str, RunEntry] = {}
        """Every run by id, in discovery order."""
        self.issues: list[tuple[str, Issue]] = []
        """(run name, issue) for every warning; discovery issues have an empty run name."""
        self.total: int | None = None
        self.loaded = 0
        self.init_view(state)
        self.init_analysis()

    def compose(self) -> ComposeResult:
        """Run list left, plot right, stats below, status and footer at the bottom."""
        with Horizontal(id="top"):
            with Vertical(id="runs-pane"):
                yield Input(placeholder="filter: text, regex, lr=5e-4", id="filter")
                yield RunTable(id="runs")
            with Vertical(id="plot-pane"):
                with ContentSwitcher(initial="plot", id="switcher"):
                    yield MetricPlot(id="plot")
                    yield PlotGrid(id="grid")
                yield Static(id="readout")
        yield StatsTable(id="stats")
        yield CompareTable(id="compare")
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the empty panes at once and start loading."""
        self.query_one("#runs-pane").border_title = "runs"
        self.query_one("#stats").border_title = "stats (visible range)"
        filt = self.query_one("#filter", Input)
        filt.value = self.filter_text
        filt.display = bool(self.filter_text)
        self.query_one(RunTable).focus()
        self.update_status()
        self.load_all()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False, description="load")
    def load_all(self) -> None:
        """Discover, then load run by run, posting batches so the list fills progressively."""
        from curvelens.core.discovery import discover
        from curvelens.core.loading import load_run

        worker = get_current_worker()
        found = discover(self.paths, self.pattern, self.exclude)
        self.post_message(RunsDiscovered(found.runs, found.issues))
        batch: list[tuple[object, object]] = []
        last = 0.0
        for done, ref in enumerate(found.runs, start=1):
            if worker.is_cancelled:
                return
            run = load_run(ref)
            batch.append((run, split_points(run.points)))
            interval = max(BATCH_SECONDS, BATCH_SECONDS_PER_RUN * done)
            if time.monotonic() - last > interval or done == len(found.runs):
                self.post_message(RunsLoaded(batch))  # type: ignore[arg-type]
                self.post_message(LoadProgress(done, len(found.runs)))
                batch, last = [], time.monotonic()

    @on(RunsDiscovered)
    def _discovered(self, message: RunsDiscovered) -> None:
        self.total = len(message.runs)
        self.issues.extend(("", issue) for issue in message.issues)
        for ref in message.runs:
            self.entries[ref.id] = _placeholder(ref)
        self.refresh_runs()

    @on(RunsLoaded)
    def _loaded(self, message: RunsLoaded) -> None:
        for run, series in message.runs:
            self.entries[run.ref.id] = RunEntry.from_run(run)
            self.store.add(run.ref.id, series)
            self.issues.extend((run.ref.name, issue) for issue in run.issues)
            if run.error is not None:
                self.issues.append((run.ref.name, Issue(run.ref.path, f"not loaded: {run.error}")))
        self.on_runs_changed()

    @on(LoadProgress)
    def _progress(self, message: LoadProgress) -> None:
        self.loaded, self.total = message.done, message.total
        self.update_status()

    def visible_entries(self) -> list[RunEntry]:
        """Runs passing the filter, sorted."""
        test = compile_filter(self.filter_text)
        shown = [e for e in self.entries.values() if test(e)]
        return self.sorted_entries(shown)

    # filter ---------------------------------------------------------------------------
    def action_filter(self) -> None:
        """Show and focus the filter box."""
        filt = self.query_one("#filter", Input)
        filt.display = True
        filt.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.refresh_runs()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(RunTable).focus()

    def action_escape(self) -> None:
        """Clear the filter (when typing in it or set), else the grid's metric filter, else
        leave the grid."""
        filt = self.query_one("#filter", Input)
        if filt.has_focus or self.filter_text:
            filt.value = ""
            filt.display = False
            self.filter_text = ""
            self.query_one(RunTable).focus()
            self.refresh_runs()
        elif self.grid and self.metric_filter:
            self.metric_filter = ""
            self.redraw()
        elif self.grid:
            self.action_grid()

    def action_detail(self) -> None:
        """Params of the selected runs (two or more), else of the run under the cursor."""
        ids = self.selected if len(self.selected) >= 2 else []
        if not ids:
            current = self.query_one(RunTable).current_run()
            ids = [current] if current else []
        if ids:
            self.app.push_screen(DetailScreen([self.entries[i] for i in ids]))

    def on_resize(self, event: events.Resize) -> None:
        """Tighter layout on small terminals (80x24)."""
        self.set_class(event.size.height < 32, "-short")
        self.set_class(event.size.width < 110, "-narrow")
        self.call_after_refresh(self.redraw)

    @on(RunTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.update_status()

    def update_status(self) -> None:
        """Refresh the status bar."""
        self.status_bar(self.query_one(StatusBar))


def _placeholder(ref: RunRef) -> RunEntry:
    """The entry of a run that is discovered but not loaded yet."""
    from curvelens.tui.text import clean

    return RunEntry(ref.id, clean(ref.name), "loading", None, None, 0)
