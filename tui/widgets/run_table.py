"""The run list: one row per run with its colour, status, and the current metric's last
and best values; rows are rebuilt from :class:`RunRow` values the screen hands over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.widgets import DataTable

from curvelens.tui.keys import RUN_TABLE_BINDINGS, TABLE_BINDINGS
from curvelens.tui.runlist import RunEntry
from curvelens.tui.text import fmt_age, fmt_num, fmt_step, shorten_middle

STATUS_TEXT = {
    "finished": ("done", "green"),
    "running": ("live", "cyan"),
    "failed": ("fail", "red"),
    "error": ("ERR", "bold red"),
    "unknown": ("?", "dim"),
}
"""Short status word and its style."""
FIXED_WIDTH = 40
"""Width taken by the columns other than the name (cells and padding)."""


@dataclass(frozen=True)
class RunRow:
    """One row of the run list as the screen wants it shown."""

    entry: RunEntry
    color: tuple[int, int, int] | None
    """The run's plot colour when it is selected."""
    baseline: bool
    last: float | None
    best: float | None
    step: float | None


class RunTable(DataTable[Text]):
    """Runs, colour-coded like their plot lines; space selects, enter shows details."""

    BINDINGS: ClassVar[list[BindingType]] = [*TABLE_BINDINGS, *RUN_TABLE_BINDINGS]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.rows_shown: list[RunRow] = []
        """The rows currently displayed, in display order."""
        self.now = 0.0
        """Unix time "last update" ages are relative to (set by the screen)."""

    def on_mount(self) -> None:
        """Create the columns."""
        for key, label in (
            ("mark", " "), ("name", "run"), ("last", "last"), ("best", "best"),
            ("status", "st"), ("step", "step"), ("updated", "upd"),
        ):  # fmt: skip
            self.add_column(label, key=key)

    def show(self, rows: list[RunRow], now: float) -> None:
        """Replace the rows, keeping the cursor on the same run when it is still shown."""
        self.rows_shown, self.now = rows, now
        current = self.current_run()
        self.clear()
        width = max(14, min(60, self.size.width - FIXED_WIDTH))
        for row in rows:
            self.add_row(*self._cells(row, width), key=row.entry.id)
        ids = [row.entry.id for row in rows]
        if current in ids:
            self.move_cursor(row=ids.index(current), animate=False)

    def current_run(self) -> str | None:
        """Id of the run under the cursor."""
        if not self.rows_shown or not 0 <= self.cursor_row < len(self.rows_shown):
            return None
        return self.rows_shown[self.cursor_row].entry.id

    def _cells(self, row: RunRow, width: int) -> list[Text]:
        """The cells of one row."""
        entry = row.entry
        rgb = f"rgb({row.color[0]},{row.color[1]},{row.color[2]})" if row.color else ""
        if entry.error:
            mark = Text("✗", style="bold red")
        elif row.baseline:
            mark = Text("◆", style=rgb or "bold")
        else:
            mark = Text("●" if row.color else "·", style=rgb or "dim")
        name = Text(shorten_middle(entry.name, width), style=rgb)
        if entry.error:
            name.append(" " + shorten_middle(entry.error, 60), style="red")
        word, style = STATUS_TEXT.get(entry.status, (entry.status[:4], ""))
        return [
            mark,
            name,
            Text(fmt_num(row.last), justify="right"),
            Text(fmt_num(row.best), justify="right"),
            Text(word, style=style),
            Text(fmt_step(row.step), justify="right"),
            Text(fmt_age(entry.updated, self.now), justify="right"),
        ]

    def on_resize(self, event: events.Resize) -> None:
        """Re-fit the name column to the new width."""
        if self.rows_shown:
            self.show(self.rows_shown, self.now)
