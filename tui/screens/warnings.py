"""The warnings screen: every problem found while discovering and loading runs (runs that
could not be read included), as problem, line and file, so a user can go and look."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from curvelens.core.schema import Issue
from curvelens.tui.keys import WARNINGS_BINDINGS
from curvelens.tui.text import plain


class WarningsScreen(ModalScreen[None]):
    """A table of warnings; esc, q or w closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [*WARNINGS_BINDINGS]

    def __init__(self, issues: list[tuple[str, Issue]]) -> None:
        super().__init__()
        self.issues = sorted(
            issues, key=lambda pair: (pair[0], str(pair[1].path), pair[1].line or 0)
        )
        """(run name or "" for discovery, issue) pairs by run, file and line (runs load in no
        fixed order)."""

    def compose(self) -> ComposeResult:
        """A title and the table."""
        yield Static(f"{len(self.issues)} warnings", id="warnings-title")
        table: DataTable[Text] = DataTable(id="warnings-table", cursor_type="row")
        table.add_columns("run", "problem", "line", "file")
        for run, issue in self.issues:
            line = "" if issue.line is None else str(issue.line)
            table.add_row(
                plain(run),
                plain(issue.message),
                Text(line, justify="right"),
                plain(issue.path),
            )
        yield table

    def on_mount(self) -> None:
        """Focus the table."""
        self.query_one(DataTable).focus()
