"""The run detail screen: one run's path, format, status, warnings and error, then its params;
several runs side by side with only the params that differ ("what changed?")."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from curvelens.core.naming import shorten
from curvelens.tui.keys import DETAIL_BINDINGS
from curvelens.tui.runs import RunEntry


def differing(entries: list[RunEntry]) -> list[str]:
    """Param keys whose value (or presence) is not the same in every run."""
    keys = sorted({k for e in entries for k in e.params})
    if len(entries) < 2:
        return keys
    return [k for k in keys if len({e.params.get(k) for e in entries}) > 1]


def heading(entries: list[RunEntry], keys: list[str]) -> Text:
    """The title: for one run its name, path, format, status and error; else a count."""
    if len(entries) > 1:
        return Text(f"{len(keys)} params differ between {len(entries)} runs")
    e = entries[0]
    text = Text(e.name, style="bold")
    text.append(f"\npath: {e.path} · format: {e.format} · status: {e.status}", style="")
    if e.warnings:
        text.append(f" · {e.warnings} warnings (w)", style="yellow")
    if e.error:
        text.append(f"\n✗ error: {e.error}", style="bold red")
    return text


class DetailScreen(ModalScreen[None]):
    """Params table (key, value per run); esc, q or enter closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [*DETAIL_BINDINGS]

    def __init__(self, entries: list[RunEntry]) -> None:
        super().__init__()
        self.entries = entries
        self.keys = differing(entries)
        """The param keys shown."""

    def compose(self) -> ComposeResult:
        """The heading and the params table (every string already printable, as Text)."""
        yield Static(heading(self.entries, self.keys), id="detail-title")
        table: DataTable[Text] = DataTable(id="detail-table", cursor_type="row")
        table.add_column(Text("param"), key="param")
        for index, entry in enumerate(self.entries):
            table.add_column(Text(shorten(entry.name, 40)), key=f"run{index}")
        for key in self.keys:
            table.add_row(Text(key), *[Text(e.params.get(key, "—")) for e in self.entries])
        yield table

    def on_mount(self) -> None:
        """Focus the table."""
        self.query_one(DataTable).focus()
