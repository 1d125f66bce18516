"""The run detail screen: params of one run, or of several runs side by side with only
the params that differ (the question when comparing runs is "what changed?")."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from curvelens.tui.runlist import RunEntry
from curvelens.tui.text import shorten_name


def differing(entries: list[RunEntry]) -> list[str]:
    """Param keys whose value (or presence) is not the same in every run."""
    keys = sorted({k for e in entries for k in e.params})
    if len(entries) < 2:
        return keys
    return [k for k in keys if len({e.params.get(k) for e in entries}) > 1]


class DetailScreen(ModalScreen[None]):
    """Params table (key, value per run); esc, q or enter closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "dismiss", "close", id="detail.close", tooltip="close")
    ]

    def __init__(self, entries: list[RunEntry]) -> None:
        super().__init__()
        self.entries = entries
        self.keys = differing(entries)
        """The param keys shown."""

    def compose(self) -> ComposeResult:
        """A title (with each run's error, if any) and the params table."""
        if len(self.entries) == 1:
            entry = self.entries[0]
            title = Text(f"{entry.name}  ({entry.id}, {entry.status})")
            if entry.error:
                title.append(f"\nerror: {entry.error}", style="bold red")
        else:
            title = Text(f"{len(self.keys)} params differ between {len(self.entries)} runs")
        yield Static(title, id="detail-title")
        table: DataTable[Text] = DataTable(id="detail-table", cursor_type="row")
        table.add_column("param", key="param")
        for entry in self.entries:
            table.add_column(shorten_name(entry.name, 40), key=entry.id)
        for key in self.keys:
            table.add_row(Text(key), *[Text(e.params.get(key, "—")) for e in self.entries])
        yield table

    def on_mount(self) -> None:
        """Focus the table."""
        self.query_one(DataTable).focus()
