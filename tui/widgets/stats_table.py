"""The stats pane: one row per plotted run with the summary of the current metric over the
visible x range (zoom), as computed by ``summarize``."""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable

from curvelens.tui.keys import TABLE_BINDINGS
from curvelens.tui.text import fmt_num, fmt_step, shorten_name

RGB = tuple[int, int, int]
COLUMNS = (
    ("run", "run"), ("first", "first"), ("last", "last"), ("min", "min"), ("min_step", "@step"),
    ("max", "max"), ("max_step", "@step"), ("mean", "mean"), ("std", "std"), ("cv", "cv"),
    ("count", "n"), ("nan_count", "nan"), ("improvement", "Δ first→last"),
    ("improvement_pct", "Δ%"), ("vs_base", "Δ last vs base"),
)  # fmt: skip
"""(summary column, header) in display order; ``vs_base`` is computed here."""
STEP_COLUMNS = {"min_step", "max_step", "count", "nan_count"}
MIN_LABEL = 16
"""The run column never gets narrower than this (the table scrolls sideways instead)."""


class StatsTable(DataTable[Text]):
    """Summary statistics of the current metric for the plotted runs."""

    BINDINGS: ClassVar[list[BindingType]] = [*TABLE_BINDINGS]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.summary = pl.DataFrame()
        """The summary rows shown (tests read it)."""
        self._shown: tuple[object, ...] = (None,)

    def on_mount(self) -> None:
        """Create the columns."""
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def show(
        self,
        summary: pl.DataFrame,
        labels: dict[str, str],
        colors: dict[str, RGB],
        baseline: str | None,
    ) -> None:
        """Show ``summary`` (one row per run, ordered like ``labels``); a repeat of what is
        shown already is skipped (rebuilding a table re-renders every cell)."""
        view = (summary, tuple(labels.items()), tuple(colors.items()), baseline, self.size)
        if view[1:] == self._shown[1:] and summary is self._shown[0]:
            return
        self._shown = view
        self.summary = summary
        # columns are rebuilt too: a DataTable column never shrinks back to its content
        self.clear(columns=True)
        for key, label in COLUMNS:
            self.add_column(label, key=key)
        if summary.is_empty():
            return
        rows = {row["run"]: row for row in summary.iter_rows(named=True)}
        base = rows.get(baseline) if baseline else None
        shown = [(run_id, label) for run_id, label in labels.items() if run_id in rows]
        cells = {run_id: self._cells(rows[run_id], base) for run_id, _ in shown}
        width = self._label_width(list(cells.values()))
        for run_id, label in shown:
            color = colors.get(run_id)
            style = f"rgb({color[0]},{color[1]},{color[2]})" if color else ""
            name = Text(shorten_name(label, width), style=style)
            self.add_row(name, *cells[run_id], key=run_id)

    def _label_width(self, rows: list[list[Text]]) -> int:
        """Cells left for the run name once every number column has its content's width."""
        pad = 2 * self.cell_padding
        others = sum(
            max([len(header), *(row[i].cell_len for row in rows)]) + pad
            for i, (_, header) in enumerate(COLUMNS[1:])
        )
        return max(MIN_LABEL, self.size.width - others - pad - 1)

    def _cells(self, row: dict[str, Any], base: dict[str, Any] | None) -> list[Text]:
        """The number cells of one run's row."""
        cells = []
        for key, _ in COLUMNS[1:]:
            if key == "vs_base":
                value = None
                if base is not None and base is not row and row["last"] is not None:
                    value = row["last"] - base["last"]
                cells.append(Text(fmt_num(value), justify="right"))
                continue
            value = row.get(key)
            text = fmt_step(value) if key in STEP_COLUMNS else fmt_num(value)
            if key == "improvement_pct" and value is not None:
                text += "%"
            cells.append(Text(text, justify="right"))
        return cells
