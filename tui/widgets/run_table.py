"""The run list: one row per run with its marker, name, status and the current metric's last
and best values (kept at 80 columns), plus format, step and age when there is room.

Every column gets an explicit width computed here from its cells, synchronously: the table
never measures cells later on its own, so widths cannot go stale between two fills (the cause
of names cut to 3 characters and ``1126`` shown as ``112``).

| key | what | message |
|---|---|---|
| space | select or unselect the run | :class:`RunTable.Toggled` |
| enter | the run's detail | :class:`RunTable.DetailRequested` |
| p | pin to the top | :class:`RunTable.PinToggled` |
| b | baseline | :class:`RunTable.BaselineToggled` |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable

from curvelens.core.naming import shorten
from curvelens.tui.keys import RUN_TABLE_BINDINGS, TABLE_BINDINGS
from curvelens.tui.runs import MARKERS, PALETTE, RunEntry
from curvelens.tui.text import fmt_age, fmt_step, fmt_value, rgb_style

STATUS_WORDS = {"finished": "done", "running": "live", "crashed": "fail",
                "diverged": "diverged", "stopped": "stop", "gone": "gone", "error": "err",
                "loading": "…", "unknown": "-"}  # fmt: skip
"""Short status word of each status (core's ``STATUSES``, and ``loading`` before a run is)."""
STATUS_STYLES = {"running": "live", "finished": "done", "crashed": "fail", "diverged": "fail",
                 "error": "error"}  # fmt: skip
"""The component class (``run-table--<name>``) colouring each status word; others are dim."""
ALWAYS = ("mark", "name", "status", "last", "best")
"""Columns shown at any width (80 columns included)."""
OPTIONAL = ("step", "updated", "format", "group")
"""Columns added, in this order, while the name keeps :data:`MIN_NAME` cells."""
HEADERS = {"mark": "", "name": "run", "status": "st", "last": "last", "best": "best",
           "step": "step", "updated": "upd", "format": "format", "group": "group"}  # fmt: skip
MIN_NAME = 14
MAX_GROUP = 24
"""Group headings are cut to this many cells."""
MAX_NAME = 44
"""Optional columns are added while names keep their full width up to this many cells."""
NUMBER_DIGITS = 4


@dataclass(frozen=True)
class RunRow:
    """One row as the screen wants it shown."""

    entry: RunEntry
    slot: int | None
    """Palette slot when plotted (colour and marker), else None."""
    baseline: bool = False
    pinned: bool = False
    last: float | None = None
    best: float | None = None
    step: float | None = None
    group: str = ""
    """Group heading, shown on the first row of each group."""


class RunTable(DataTable[Text]):
    """Runs, marked and coloured like their curves; keys in the module docstring."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "run-table--live", "run-table--done", "run-table--fail", "run-table--error",
        "run-table--dim",
    }  # fmt: skip
    DEFAULT_CSS = """
    RunTable > .run-table--live { color: $accent; }
    RunTable > .run-table--done { color: $success; }
    RunTable > .run-table--fail { color: $error; }
    RunTable > .run-table--error { color: $error; text-style: bold; }
    RunTable > .run-table--dim { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [*TABLE_BINDINGS, *RUN_TABLE_BINDINGS]

    class _RunMessage(Message):
        """A request about one run (``run_id`` None when the list is empty)."""

        def __init__(self, table: RunTable, run_id: str | None) -> None:
            super().__init__()
            self.table, self.run_id = table, run_id

        @property
        def control(self) -> RunTable:
            """The run table."""
            return self.table

    class Toggled(_RunMessage):
        """Space: select or unselect ``run_id``."""

    class PinToggled(_RunMessage):
        """p: pin ``run_id`` to the top, or unpin it."""

    class BaselineToggled(_RunMessage):
        """b: make ``run_id`` the baseline, or drop it."""

    class DetailRequested(_RunMessage):
        """enter: show ``run_id``'s detail."""

    class CursorMoved(_RunMessage):
        """The highlighted run changed."""

    class SortClicked(Message):
        """A header was clicked: sort by ``column``."""

        def __init__(self, table: RunTable, column: str) -> None:
            super().__init__()
            self.table, self.column = table, column

        @property
        def control(self) -> RunTable:
            """The run table."""
            return self.table

    def __init__(self, *, no_color: bool = False, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=0)
        self.no_color = no_color
        self.rows_shown: list[RunRow] = []
        """The rows displayed, in order (tests read it)."""
        self.now = 0.0
        self.keys: tuple[str, ...] = ()
        self.widths: dict[str, int] = {}
        """Width given to each column at the last fill (tests read it)."""
        self._shown: tuple[object, ...] = ()

    def on_mount(self) -> None:
        """Headers before the first runs arrive."""
        self.show([], 0.0)

    def show(self, rows: list[RunRow], now: float) -> None:
        """Replace the rows (the cursor stays on the same run); same rows at the same width
        are not rebuilt."""
        key = (rows, now, self.size.width)
        if key == self._shown:
            return
        self._shown, self.rows_shown, self.now = key, rows, now
        current = self.current_run()
        cells = [self._cells(row) for row in rows]
        self.keys, self.widths = self._layout(cells)
        self.clear(columns=True)
        for column in self.keys:
            self.add_column(Text(HEADERS[column]), key=column, width=self.widths[column])
        for row, row_cells in zip(rows, cells, strict=True):
            row_cells["name"] = self._name_cell(row, self.widths["name"])
            self.add_row(*(row_cells[k] for k in self.keys), key=row.entry.id)
        ids = [row.entry.id for row in rows]
        if current in ids:
            self.move_cursor(row=ids.index(current), animate=False)

    def _layout(self, cells: list[dict[str, Text]]) -> tuple[tuple[str, ...], dict[str, int]]:
        """Columns shown and their widths: content + 1 cell of gap; the name takes the rest."""
        widths = {
            k: max([len(HEADERS[k]), *(c[k].cell_len for c in cells)]) + 1
            for k in (*ALWAYS, *OPTIONAL)
            if k != "name"
        }
        widths["mark"] = 2
        grouped = any(c["group"].plain for c in cells)
        widths["group"] = min(widths["group"], MAX_GROUP) if grouped else 0
        room = max(self.size.width, 40) - 2  # scrollbar
        longest = max((c["name"].cell_len + 2 for c in cells), default=0)
        want = max(MIN_NAME + 6, min(longest, MAX_NAME))  # names first, then more columns
        keys = [*ALWAYS, *(["group"] if grouped else [])]
        for optional in OPTIONAL:
            used = sum(widths[k] for k in keys if k != "name") + widths[optional]
            if optional not in keys and widths[optional] and room - used >= want:
                keys.append(optional)
        used = sum(widths[k] for k in keys if k != "name")
        widths["name"] = max(MIN_NAME, room - used)
        order = ("mark", "group", "name", "format", "status", "last", "best", "step", "updated")
        return tuple(k for k in order if k in keys), widths

    def current_run(self) -> str | None:
        """Id of the run under the cursor."""
        if not self.rows_shown or not 0 <= self.cursor_row < len(self.rows_shown):
            return None
        return self.rows_shown[self.cursor_row].entry.id

    def _style(self, name: str) -> str:
        """A component class's colour as a Rich style string."""
        return str(self.get_component_rich_style(name, partial=True))

    def _name_cell(self, row: RunRow, width: int) -> Text:
        """The name, cut in the middle to fit; pinned runs carry a pin, errors are only marked."""
        pin = "⌃" if row.pinned else ""
        color = PALETTE[row.slot % len(PALETTE)] if row.slot is not None else None
        return Text(pin + shorten(row.entry.name, width - 1 - len(pin)), style=rgb_style(color))

    def _mark(self, row: RunRow) -> Text:
        """Marker: the run's shape in its colour when plotted, ◆ baseline, ✗ error, · else."""
        entry = row.entry
        if entry.error:
            return Text("✗", style=self._style("run-table--error"))
        if row.slot is None:
            return Text("◇" if row.baseline else "·", style=self._style("run-table--dim"))
        color = rgb_style(PALETTE[row.slot % len(PALETTE)])
        shape = MARKERS[row.slot % len(MARKERS)] if self.no_color else "●"
        return Text("◆" if row.baseline else shape, style=color)

    def _cells(self, row: RunRow) -> dict[str, Text]:
        """Every cell of one row but the name, by column key."""
        entry = row.entry
        word = STATUS_WORDS.get(entry.status, entry.status[:4])
        style = self._style(f"run-table--{STATUS_STYLES.get(entry.status, 'dim')}")
        return {
            "mark": self._mark(row),
            "name": Text(entry.name),
            "group": Text(shorten(row.group, MAX_GROUP - 1), style="bold"),
            "format": Text(entry.format, style=self._style("run-table--dim")),
            "status": Text(word, style=style),
            "last": Text(fmt_value(row.last, NUMBER_DIGITS), justify="right"),
            "best": Text(fmt_value(row.best, NUMBER_DIGITS), justify="right"),
            "step": Text(fmt_step(row.step), justify="right"),
            "updated": Text(fmt_age(entry.updated, self.now), justify="right"),
        }

    def action_select_run(self) -> None:
        """Select or unselect the run under the cursor."""
        self.post_message(self.Toggled(self, self.current_run()))

    def action_pin(self) -> None:
        """Pin or unpin the run under the cursor."""
        self.post_message(self.PinToggled(self, self.current_run()))

    def action_baseline(self) -> None:
        """Make the run under the cursor the baseline."""
        self.post_message(self.BaselineToggled(self, self.current_run()))

    def action_detail(self) -> None:
        """Ask for the detail of the run under the cursor."""
        self.post_message(self.DetailRequested(self, self.current_run()))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.CursorMoved(self, self.current_run()))

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = str(event.column_key.value)
        if key not in ("mark", "group"):
            self.post_message(self.SortClicked(self, key))

    def on_resize(self, event: events.Resize) -> None:
        """Re-fit the columns to the new width."""
        if self.keys:
            self.show(self.rows_shown, self.now)
