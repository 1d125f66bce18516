"""The stats pane: one row per plotted run with the summary of the current metric over the
visible x range (``summarize``). Column widths are set explicitly from the cells, so they
never go stale; the pane grows with the terminal and scrolls when it cannot."""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable

from curvelens.core.naming import shorten
from curvelens.tui.keys import TABLE_BINDINGS
from curvelens.tui.text import fmt_step, fmt_value, rgb_style

RGB = tuple[int, int, int]
COLUMNS = (
    ("run", "run"), ("last", "last"), ("min", "min"), ("min_step", "@step"),
    ("max", "max"), ("max_step", "@step"), ("mean", "mean"), ("std", "std"), ("count", "n"),
    ("nan_count", "nan"), ("first", "first"), ("improvement", "Δ first→last"),
    ("improvement_pct", "Δ%"), ("cv", "cv"), ("vs_base", "Δ last vs base"),
)  # fmt: skip
"""(summary column, header) in display order; ``vs_base`` is computed here."""
STEP_COLUMNS = {"min_step", "max_step", "count", "nan_count"}
MIN_LABEL = 16
SHOWN_NUMBERS = 4
"""Number columns (last, min and its step, max) always in view beside the name."""
MAX_LABEL = 40
"""The run column shows names up to this long in full; the table scrolls sideways instead."""


class StatsTable(DataTable[Text]):
    """Summary statistics of the current metric for the plotted runs."""

    BINDINGS: ClassVar[list[BindingType]] = [*TABLE_BINDINGS]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, cell_padding=0)
        self.summary = pl.DataFrame()
        """The summary rows shown (tests read it)."""
        self.widths: list[int] = []
        """Width of each column at the last fill (tests read it)."""
        self._shown: tuple[object, ...] = ()
        self._args: tuple[dict[str, str], dict[str, RGB], str | None] = ({}, {}, None)

    def on_mount(self) -> None:
        """Headers before any summary."""
        self.show(pl.DataFrame(), {}, {}, None)

    def show(
        self, summary: pl.DataFrame, labels: dict[str, str], colors: dict[str, RGB],
        baseline: str | None,
    ) -> None:  # fmt: skip
        """Show ``summary`` (one row per run, ordered like ``labels``); a repeat is skipped."""
        key = (id(summary), tuple(labels.items()), tuple(colors.items()), baseline, self.size)
        if key == self._shown:
            return
        self._shown, self.summary, self._args = key, summary, (labels, colors, baseline)
        rows = {r["run"]: r for r in summary.iter_rows(named=True)} if summary.height else {}
        base = rows.get(baseline) if baseline else None
        shown = [(run_id, label) for run_id, label in labels.items() if run_id in rows]
        cells = [self._cells(rows[run_id], base) for run_id, _ in shown]
        self.widths = [
            max([len(h), *(c[i].cell_len for c in cells)]) + 1
            for i, (_, h) in enumerate(COLUMNS[1:])
        ]
        longest = min(MAX_LABEL, max((len(label) + 1 for _, label in shown), default=0))
        # the name never pushes the first numbers out of sight; beyond them the table scrolls
        room = self.size.width - 2
        name = max(MIN_LABEL, min(longest, room - sum(self.widths[:SHOWN_NUMBERS])))
        name = max(name, room - sum(self.widths))
        self.widths.insert(0, name)
        self.clear(columns=True)
        for (key_, header), width in zip(COLUMNS, self.widths, strict=True):
            self.add_column(Text(header), key=key_, width=width)
        for (run_id, label), row_cells in zip(shown, cells, strict=True):
            label_text = Text(shorten(label, name - 1), style=rgb_style(colors.get(run_id)))
            self.add_row(label_text, *row_cells, key=run_id)

    def on_resize(self) -> None:
        """Re-fit the run column to the new width."""
        if self._shown:
            self.show(self.summary, *self._args)

    @staticmethod
    def _cells(row: dict[str, Any], base: dict[str, Any] | None) -> list[Text]:
        """The number cells of one run's row."""
        cells = []
        for key, _ in COLUMNS[1:]:
            if key == "vs_base":
                value = None
                if base is not None and base is not row and row["last"] is not None:
                    value = row["last"] - base["last"]
                cells.append(Text(fmt_value(value), justify="right"))
                continue
            value = row.get(key)
            text = fmt_step(value) if key in STEP_COLUMNS else fmt_value(value)
            if key == "improvement_pct" and value is not None:
                text += "%"
            cells.append(Text(text, justify="right"))
        return cells
