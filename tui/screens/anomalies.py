"""The anomalies list: spikes, drops, NaN/inf stretches, explosions and grad-norm blow-ups of
the plotted runs (current metric first); enter jumps the plot cursor to one, esc closes."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from curvelens.core.naming import shorten
from curvelens.core.printable import printable
from curvelens.tui.anomalies import Found, SeriesMap
from curvelens.tui.jobs import anomalies
from curvelens.tui.keys import ANOMALIES_BINDINGS
from curvelens.tui.messages import AnomaliesReady
from curvelens.tui.text import fmt_step, fmt_value, plain

KIND_STYLES = {"nonfinite": "bold red", "explosion": "red", "grad_blowup": "red"}
"""Style of the kind cell; spikes and drops stay plain."""


class AnomaliesScreen(ModalScreen[Found | None]):
    """A table of anomalies; returns the one picked with enter, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [*ANOMALIES_BINDINGS]

    def __init__(self, series: SeriesMap, names: Mapping[str, str], metric: str | None) -> None:
        super().__init__()
        self.series = series
        self.found: list[Found] = []
        """The anomalies listed, in row order (tests read it)."""
        self.names = dict(names)
        self.metric = metric

    def compose(self) -> ComposeResult:
        """A title and the table, filled when the detectors are done."""
        yield Static("finding anomalies in the plotted runs…", id="anomalies-title")
        table: DataTable[Text] = DataTable(id="anomalies-table", cursor_type="row")
        table.add_columns("run", "metric", "step", "value", "kind", "score")
        yield table

    def on_mount(self) -> None:
        """Run the detectors off the UI thread; focus the table."""
        work = partial(anomalies, self.series, self.metric, self.post_message)
        self.run_worker(work, thread=True, exit_on_error=False, description="anomalies")
        self.query_one(DataTable).focus()

    @on(AnomaliesReady)
    def _found(self, message: AnomaliesReady) -> None:
        self.found = message.found
        count = len(self.found)
        title = f"{count} anomalies in the plotted runs · enter: go to the step · esc: close"
        no_title = "no anomalies in the plotted runs"
        self.query_one("#anomalies-title", Static).update(Text(title if count else no_title))
        table = self.query_one(DataTable)
        for index, item in enumerate(self.found):
            metric_style = "bold" if item.metric == self.metric else "dim"
            table.add_row(
                Text(shorten(self.names.get(item.run_id, printable(item.run_id)), 34)),
                plain(item.metric, metric_style),
                Text(fmt_step(item.step), justify="right"),
                Text(fmt_value(item.value), justify="right"),
                Text(item.kind, style=KIND_STYLES.get(item.kind, "")),
                Text(fmt_value(item.score), justify="right"),
                key=str(index),
            )

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(self.found[int(event.row_key.value or 0)])

    def action_close(self) -> None:
        """Close without jumping."""
        self.dismiss(None)
