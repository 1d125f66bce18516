"""The stats pane: one row per plotted run with the summary of the current metric over the
visible x range (zoom), as computed by ``summarize``."""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable

from curvelens.tui.keys import TABLE_BINDINGS
from curvelens.tui.text import fmt_num, fmt_step, shorten_middle

RGB = tuple[int, int, int]
COLUMNS = (
    ("run", "run"), ("first", "first"), ("last", "last"), ("min", "min"), ("min_step", "@step"),
    ("max", "max"), ("max_step", "@step"), ("mean", "mean"), ("std", "std"), ("cv", "cv"),
    ("count", "n"), ("nan_count", "nan"), ("improvement", "Δ first→last"),
    ("improvement_pct", "Δ%"), ("vs_base", "Δ last vs base"),
)  # fmt: skip
"""(summary column, header) in display order; ``vs_base`` is computed here."""
STEP_COLUMNS = {"min_step", "max_step", "count", "nan_count"}


class StatsTable(DataTable[Text]):
    """Summary statistics of the current metric for the plotted runs."""

    BINDINGS: ClassVar[list[BindingType]] = [*TABLE_BINDINGS]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.summary = pl.DataFrame()
        """The summary rows shown (tests read it)."""

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
        """Show ``summary`` (one row per run, ordered like ``labels``)."""
        self.summary = summary
        self.clear()
        if summary.is_empty():
            return
        rows = {row["run"]: row for row in summary.iter_rows(named=True)}
        base = rows.get(baseline) if baseline else None
        for run_id, label in labels.items():
            row = rows.get(run_id)
            if row is None:
                continue
            self.add_row(*self._cells(row, label, colors.get(run_id), base), key=run_id)

    def _cells(
        self, row: dict[str, Any], label: str, color: RGB | None, base: dict[str, Any] | None
    ) -> list[Text]:
        """The cells of one run's row."""
        style = f"rgb({color[0]},{color[1]},{color[2]})" if color else ""
        cells = [Text(shorten_middle(label, 22), style=style)]
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
