"""The anomalies list: spikes, drops, NaN/inf stretches, explosions and grad-norm blow-ups of
the plotted runs (current metric first); enter jumps the plot cursor to one, esc closes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from curvelens.core.naming import shorten
from curvelens.core.printable import printable
from curvelens.tui.analysis import Found
from curvelens.tui.text import fmt_step, fmt_value

KIND_STYLES = {"nonfinite": "bold red", "explosion": "red", "grad_blowup": "red"}
"""Style of the kind cell; spikes and drops stay plain."""


class AnomaliesScreen(ModalScreen[Found | None]):
    """A table of anomalies; returns the one picked with enter, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,A", "close", "close", id="anomalies.close", tooltip="close the list")
    ]

    def __init__(self, found: list[Found], names: Mapping[str, str], metric: str | None) -> None:
        super().__init__()
        self.found = found
        """The anomalies listed, in row order (tests read it)."""
        self.names = dict(names)
        self.metric = metric

    def compose(self) -> ComposeResult:
        """A title and the table."""
        count = len(self.found)
        title = f"{count} anomalies in the plotted runs · enter: go to the step · esc: close"
        yield Static(title if count else "no anomalies in the plotted runs", id="anomalies-title")
        table: DataTable[Text] = DataTable(id="anomalies-table", cursor_type="row")
        table.add_columns("run", "metric", "step", "value", "kind", "score")
        for index, item in enumerate(self.found):
            metric_style = "bold" if item.metric == self.metric else "dim"
            table.add_row(
                Text(shorten(self.names.get(item.run_id, printable(item.run_id)), 34)),
                Text(printable(item.metric), style=metric_style),
                Text(fmt_step(item.step), justify="right"),
                Text(fmt_value(item.value), justify="right"),
                Text(item.kind, style=KIND_STYLES.get(item.kind, "")),
                Text(fmt_value(item.score), justify="right"),
                key=str(index),
            )
        yield table

    def on_mount(self) -> None:
        """Focus the table."""
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(self.found[int(event.row_key.value or 0)])

    def action_close(self) -> None:
        """Close without jumping."""
        self.dismiss(None)
