"""The run list: one row per run with its colour, status, and the current metric's last
and best values; rows are rebuilt from :class:`RunRow` values the screen hands over. The name
column takes every cell the other columns leave, so names are cut only when they must be."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable

from curvelens.tui.keys import RUN_TABLE_BINDINGS, TABLE_BINDINGS
from curvelens.tui.runlist import RunEntry
from curvelens.tui.text import fmt_age, fmt_num, fmt_step, shorten_middle, shorten_name

STATUS_TEXT = {
    "finished": ("done", "green"),
    "running": ("live", "cyan"),
    "failed": ("fail", "red"),
    "error": ("err", "bold red"),
    "loading": ("…", "dim"),
    "unknown": ("-", "dim"),
}
"""Short status word and its style."""
COLUMNS = (
    ("mark", " "), ("name", "run"), ("last", "last"), ("best", "best"),
    ("status", "st"), ("step", "step"), ("updated", "upd"),
)  # fmt: skip
"""(key, header) of every column, in display order."""
HIDDEN_BELOW = (
    (45, frozenset({"status", "updated", "best"})),
    (60, frozenset({"status", "updated"})),
)
"""(table width, columns dropped below it): on a narrow terminal the names need the room."""
MIN_NAME = 12


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


def status_cell(status: str) -> Text:
    """The short status word of ``status`` (``live``, ``done``, ``fail``, ``err``, ``-``)."""
    word, style = STATUS_TEXT.get(status, (status[:4], ""))
    return Text(word, style=style)


class RunTable(DataTable[Text]):
    """Runs, colour-coded like their plot lines; space selects, enter shows details, a click
    on a column header sorts by it."""

    BINDINGS: ClassVar[list[BindingType]] = [*TABLE_BINDINGS, *RUN_TABLE_BINDINGS]

    class SortClicked(Message):
        """A column header was clicked: sort by ``column`` (a key of ``SORT_COLUMNS``)."""

        def __init__(self, table: RunTable, column: str) -> None:
            super().__init__()
            self.table = table
            self.column = column

        @property
        def control(self) -> RunTable:
            """The run table."""
            return self.table

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.rows_shown: list[RunRow] = []
        """The rows currently displayed, in display order."""
        self.now = 0.0
        """Unix time "last update" ages are relative to (set by the screen)."""
        self.keys: tuple[str, ...] = ()
        """Keys of the columns shown."""
        self.name_width = 0
        """Cells the name column was given at the last fill (tests read it)."""
        self._size_shown = self.size

    def on_mount(self) -> None:
        """Show the headers before the first runs arrive."""
        self.show([], 0.0)

    def show(self, rows: list[RunRow], now: float) -> None:
        """Replace the rows, keeping the cursor on the same run when it is still shown; the
        same rows at the same size are not rebuilt (that re-renders every cell)."""
        if (rows, now, self.size) == (self.rows_shown, self.now, self._size_shown) and self.keys:
            return
        self.rows_shown, self.now, self._size_shown = rows, now, self.size
        current = self.current_run()
        # columns are rebuilt too: a DataTable column never shrinks back to its content
        self.keys = tuple(k for k, _ in COLUMNS if k not in self._hidden())
        self.clear(columns=True)
        for key, label in COLUMNS:
            if key in self.keys:
                self.add_column(label, key=key)
        cells = [self._cells(row) for row in rows]
        self.name_width = self._name_width(cells)
        for row, row_cells in zip(rows, cells, strict=True):
            row_cells["name"] = self._name_cell(row, self.name_width)
            self.add_row(*(row_cells[k] for k in self.keys), key=row.entry.id)
        ids = [row.entry.id for row in rows]
        if current in ids:
            self.move_cursor(row=ids.index(current), animate=False)

    def _hidden(self) -> frozenset[str]:
        """Columns left out at the current width."""
        for width, hidden in HIDDEN_BELOW:
            if 0 < self.size.width < width:
                return hidden
        return frozenset()

    def _name_width(self, cells: list[dict[str, Text]]) -> int:
        """Cells left for the name once every other column has its content's width."""
        pad = 2 * self.cell_padding
        others = 0
        for key, label in COLUMNS:
            if key in self.keys and key != "name":
                widest = max((c[key].cell_len for c in cells), default=0)
                others += max(widest, len(label)) + pad
        scrollbar = self.styles.scrollbar_size_vertical if len(cells) >= self.size.height else 0
        return max(MIN_NAME, self.size.width - others - pad - scrollbar)

    def current_run(self) -> str | None:
        """Id of the run under the cursor."""
        if not self.rows_shown or not 0 <= self.cursor_row < len(self.rows_shown):
            return None
        return self.rows_shown[self.cursor_row].entry.id

    @staticmethod
    def _name_cell(row: RunRow, width: int) -> Text:
        """The name cell: the full name when it fits, else cut in the middle (the tail, which
        holds the seed and the date, stays); an error run's message follows in red."""
        entry = row.entry
        rgb = f"rgb({row.color[0]},{row.color[1]},{row.color[2]})" if row.color else ""
        name = Text(shorten_name(entry.name, width), style=rgb)
        room = width - name.cell_len - 1
        if entry.error and room >= 4:
            name.append(" " + shorten_middle(entry.error, room), style="red")
        return name

    def _cells(self, row: RunRow) -> dict[str, Text]:
        """The cells of one row other than the name, by column key."""
        entry = row.entry
        rgb = f"rgb({row.color[0]},{row.color[1]},{row.color[2]})" if row.color else ""
        if entry.error:
            mark = Text("✗", style="bold red")
        elif row.baseline:
            mark = Text("◆", style=rgb or "bold")
        else:
            mark = Text("●" if row.color else "·", style=rgb or "dim")
        return {
            "mark": mark,
            "last": Text(fmt_num(row.last), justify="right"),
            "best": Text(fmt_num(row.best), justify="right"),
            "status": status_cell(entry.status),
            "step": Text(fmt_step(row.step), justify="right"),
            "updated": Text(fmt_age(entry.updated, self.now), justify="right"),
        }

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        """Turn a click on a sortable header into a sort request."""
        event.stop()
        key = str(event.column_key.value)
        if key != "mark":
            self.post_message(self.SortClicked(self, key))

    def on_resize(self, event: events.Resize) -> None:
        """Re-fit the name column (and the columns shown) to the new width."""
        if self.rows_shown or self.keys:
            self.show(self.rows_shown, self.now)
