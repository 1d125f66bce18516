"""The comparison section under the stats: each plotted run against the baseline (final,
best, divergence step) and, when the runs form seed groups, one row per group and the test
between two groups. The rows are plain strings so the export writes the same numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import ScrollableContainer
from textual.widgets import Static

from curvelens.core.naming import shorten
from curvelens.tui.analysis import DIVERGENCE_RULE, Comparison
from curvelens.tui.keys import TABLE_BINDINGS
from curvelens.tui.text import fmt_step, fmt_value

RGB = tuple[int, int, int]
RUN_HEADERS = ("run", "last", "Δ last", "× last", "best", "Δ best", "× best", "diverges @")
NARROW_WIDTH = 110
"""Below this terminal width the run rows keep only last, its difference, ratio, divergence."""
NARROW_RUN_COLUMNS = [0, 1, 2, 3, 7]
SIDE_BY_SIDE_WIDTH = 150
"""Terminal width from which the group rows go beside the run rows."""
GROUP_HEADERS = ("group", "runs", "final mean ± std", "IQM [95% CI]")


def run_rows(comparison: Comparison, labels: Mapping[str, str]) -> list[list[str]]:
    """One row per run against the reference (the reference row says ``baseline``)."""
    rows = []
    for r in comparison.runs:
        name = labels.get(r.run_id, r.run_id)
        if r.run_id == comparison.reference:
            rows.append([name, fmt_value(r.last), "base", "", fmt_value(r.best), "base", "", ""])
            continue
        rows.append(
            [
                name, fmt_value(r.last), fmt_value(r.last_diff), fmt_value(r.last_ratio),
                fmt_value(r.best), fmt_value(r.best_diff), fmt_value(r.best_ratio),
                fmt_step(r.divergence) if r.divergence is not None else "never",
            ]
        )  # fmt: skip
    return rows


def group_rows(comparison: Comparison) -> list[list[str]]:
    """One row per seed group: run count, final mean ± std, IQM and its interval."""
    rows = []
    for g in comparison.groups:
        spread = f"{fmt_value(g.mean)} ± {fmt_value(g.std)}"
        ci = f" [{fmt_value(g.iqm_ci[0])}, {fmt_value(g.iqm_ci[1])}]" if g.iqm_ci else ""
        rows.append([g.name, f"{g.n}/{len(g.runs)}", spread, fmt_value(g.iqm) + ci])
    return rows


def pair_line(comparison: Comparison) -> str:
    """The two-group test on final values, or "" with fewer or more groups."""
    p = comparison.pair
    if p is None:
        return ""
    return (
        f"{p.b} vs {p.a} (final values): Welch p = {fmt_value(p.welch_p)} · "
        f"Hedges' g = {fmt_value(p.hedges_g)} · P(improvement) = {fmt_value(p.prob_improvement)}"
    )


def _table(
    headers: tuple[str, ...], rows: list[list[str]], styles: list[str], keep: list[int], name: int
) -> Table:
    """A compact Rich table of the columns ``keep``; ``styles`` colours each row's name, cut
    to ``name`` characters."""
    table = Table(box=None, padding=(0, 1), header_style="bold", show_edge=False)
    for i in keep:  # never narrower than the cells: the pane scrolls sideways instead
        widest = max(
            [len(headers[i]), *(min(len(r[i]), name) if i == 0 else len(r[i]) for r in rows)]
        )
        table.add_column(
            headers[i], justify="left" if i == 0 else "right", no_wrap=True, min_width=widest
        )
    for row, style in zip(rows, styles, strict=True):
        cells = [row[i] for i in keep]
        label = Text(shorten(cells[0], name), style=style).append(" ")  # kept when squeezed
        table.add_row(label, *(Text(c) for c in cells[1:]))
    return table


class CompareTable(ScrollableContainer):
    """Comparison rows of the current view, focusable and scrollable (j/k, arrows); it shows
    whatever comparison object it is handed and says so when there is nothing to compare."""

    BINDINGS: ClassVar[list[BindingType]] = [*TABLE_BINDINGS]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.comparison: Comparison | None = None
        """What is shown (tests read it)."""

    def compose(self) -> ComposeResult:
        """One body the rows are rendered into."""
        yield Static(Text("select two runs to compare them", style="dim"), id="compare-body")

    def action_cursor_down(self) -> None:
        """Scroll down a line."""
        self.scroll_down()

    def action_cursor_up(self) -> None:
        """Scroll up a line."""
        self.scroll_up()

    def show(
        self, comparison: Comparison | None, labels: Mapping[str, str], colors: Mapping[str, RGB]
    ) -> None:
        """Show ``comparison`` with the runs named by ``labels`` and coloured like the plot."""
        self.comparison = comparison
        body = self.query_one("#compare-body", Static)
        if comparison is None or not (comparison.runs or comparison.groups):
            self.border_title = Text("compare")
            body.update(Text("select two runs to compare them", style="dim"))
            return
        narrow = self.size.width < NARROW_WIDTH
        runs: list[RenderableType] = []
        groups: list[RenderableType] = []
        if comparison.runs:
            styles = [_style(colors.get(r.run_id)) for r in comparison.runs]
            keep = NARROW_RUN_COLUMNS if narrow else list(range(len(RUN_HEADERS)))
            rows = run_rows(comparison, labels)
            runs.append(_table(RUN_HEADERS, rows, styles, keep, 16 if narrow else 26))
        if comparison.groups:
            styles = ["bold"] * len(comparison.groups)
            keep = list(range(len(GROUP_HEADERS)))
            groups.append(_table(GROUP_HEADERS, group_rows(comparison), styles, keep, 26))
        if line := pair_line(comparison):
            groups.append(Text(line, style="italic", overflow="fold"))
        base = labels.get(comparison.reference or "", "")
        title = f"compare vs {shorten(base, 40)}" if runs else "seed groups"
        self.border_title = Text(title)
        self.border_subtitle = Text(DIVERGENCE_RULE if runs else "")
        body.update(_side_by_side(runs, groups, self.size.width))


def _side_by_side(
    left: list[RenderableType], right: list[RenderableType], width: int
) -> RenderableType:
    """The run rows and the group rows next to each other on wide screens, else stacked."""
    if not (left and right) or width < SIDE_BY_SIDE_WIDTH:
        return Group(*left, *right)
    grid = Table.grid(padding=(0, 3))
    grid.add_column(no_wrap=True)
    grid.add_column(max_width=width // 2 - 8)
    grid.add_row(Group(*left), Group(*right))
    return grid


def _style(color: RGB | None) -> str:
    """A Rich style for a run colour."""
    return f"rgb({color[0]},{color[1]},{color[2]})" if color else ""
