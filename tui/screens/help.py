"""The help screen: every key binding, generated from the binding table (with the user's
remaps applied), so it can never disagree with what the keys do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from curvelens.tui.keys import ALL_BINDINGS, HELP_BINDINGS


class HelpScreen(ModalScreen[None]):
    """A table of (where, keys, what, id); esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [*HELP_BINDINGS]

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.keymap = dict(keymap)
        """Binding id -> keys, from the config."""

    def compose(self) -> ComposeResult:
        """A title and the bindings table."""
        yield Static('Keys (remap in config.toml: [keys] <id> = "keys")', id="help-title")
        table: DataTable[Text] = DataTable(id="help-table", cursor_type="row")
        table.add_columns("where", "keys", "what", "id")
        for where, bindings in ALL_BINDINGS.items():
            for binding in bindings:
                keys = self.keymap.get(binding.id or "", binding.key)
                shown = ", ".join(self.app.get_key_display(Binding(k, "")) for k in keys.split(","))
                table.add_row(
                    Text(where), Text(shown, style="bold"), Text(binding.tooltip),
                    Text(binding.id or "", style="dim"),
                )  # fmt: skip
        yield table

    def on_mount(self) -> None:
        """Focus the table so j/k and arrows scroll it."""
        self.query_one(DataTable).focus()
