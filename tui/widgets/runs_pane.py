"""The runs pane: the filter box (hidden until ``/``) over the run list; its title says the
sort, the grouping and when no run matches the filter."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input

from curvelens.core.printable import printable
from curvelens.tui.state import View
from curvelens.tui.widgets.run_table import RunRow, RunTable

PLACEHOLDER = "filter: words, regex, lr>1e-3, k!=v, has:key, status:running, !word"


class RunsPane(Vertical):
    """Filter box and run table; the screen handles the filter's ``Input.Changed``."""

    def __init__(self, no_color: bool, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.no_color = no_color

    def compose(self) -> ComposeResult:
        """The filter box, then the table."""
        yield Input(placeholder=PLACEHOLDER, id="filter")
        yield RunTable(id="runs", no_color=self.no_color)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter box: back to the run list (the box stays while it filters)."""
        self.show_filter(event.value)

    def show_filter(self, text: str, focus: bool = False) -> None:
        """Put ``text`` in the filter box, shown when set (or to type in)."""
        box = self.query_one(Input)
        if box.value != text:
            box.value = text
        box.display = bool(text) or focus
        (box if focus else self.query_one(RunTable)).focus()

    def show(self, rows: list[RunRow], now: float, view: View, matched: bool) -> None:
        """Fill the table; the title tells the sort, the grouping and an empty match."""
        self.query_one(RunTable).show(rows, now)
        title = f"runs · sort {view.sort}{' ↓' if view.sort_reverse else ''}"
        title += f" · by {printable(view.group_by)}" if view.group_by else ""
        title += "" if matched else " · no run matches the filter"
        self.border_title = Text(title)
