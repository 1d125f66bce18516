"""The compare pane: the comparison engine's numbers for the current metric, as handed in
(:class:`~curvelens.core.comparison.MetricComparison`): each run's compared value, last and
best; each group's mean ± std and IQM with its interval; each group against the reference
(difference, ratio, divergence step, and with two or more runs a side the Welch p, Hedges' g
and P(improvement)). Focusable and scrollable both ways; cells are never cut."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import ScrollableContainer
from textual.widgets import Static

from curvelens.core.naming import shorten
from curvelens.tui.keys import TABLE_BINDINGS

if TYPE_CHECKING:  # the engine is imported when a comparison is first computed
    from curvelens.core.comparison import Comparison, MetricComparison
from curvelens.tui.text import fmt_step, fmt_value, rgb_style

RGB = tuple[int, int, int]
RUN_HEADERS = ("run", "group", "value", "last", "best", "diverged @")
GROUP_HEADERS = ("group", "runs", "mean ± std", "IQM [CI]")
NAME_WIDTH = 26
EMPTY = "select two runs to compare them"


def run_rows(m: MetricComparison) -> list[list[str]]:
    """One row per run: compared value, last, best, and where it diverged."""
    return [
        [r.run, r.group, fmt_value(r.value), fmt_value(r.last), fmt_value(r.best),
         fmt_step(r.diverged_step) if r.diverged_step is not None else ""]
        for r in m.runs
    ]  # fmt: skip


def group_rows(m: MetricComparison) -> list[list[str]]:
    """One row per group: runs used of those that logged it, mean ± std, IQM [CI]."""
    rows = []
    for g in m.groups:
        ci = f" [{fmt_value(g.iqm_ci[0])}, {fmt_value(g.iqm_ci[1])}]" if g.iqm_ci else ""
        flag = "" if g.ci_reliable or not ci else " (unreliable)"
        spread = f"{fmt_value(g.mean)} ± {fmt_value(g.std)}"
        rows.append([g.name, f"{g.n_used}/{g.n}", spread, fmt_value(g.iqm) + ci + flag])
    return rows


def pair_lines(m: MetricComparison) -> list[str]:
    """One line per group against the reference."""
    lines = []
    for p in m.pairs:
        step = p.divergence.step
        line = (f"{p.b} vs {p.a}: Δ {fmt_value(p.diff)} · × {fmt_value(p.ratio)} · diverges @ "
                f"{fmt_step(step) if step is not None else p.divergence.status}")  # fmt: skip
        t = p.test
        if t is not None:
            line += (f" · Welch p = {fmt_value(t.welch_p)} · Hedges' g = {fmt_value(t.hedges_g)}"
                     f" · P(improvement) = {fmt_value(t.prob_improvement)}")  # fmt: skip
        lines.append(line)
    return lines


def _table(headers: tuple[str, ...], rows: list[list[str]], styles: list[str]) -> Table:
    """A compact table whose columns are never narrower than their cells."""
    table = Table(box=None, padding=(0, 1), header_style="bold", show_edge=False)
    for i, header in enumerate(headers):
        widest = max([len(header), *(min(len(r[i]), NAME_WIDTH) + (i == 0) for r in rows)])
        justify = "left" if i < 2 else "right"
        table.add_column(header, justify=justify, no_wrap=True, min_width=widest)  # type: ignore[arg-type]
    for row, style in zip(rows, styles, strict=True):
        name = Text(shorten(row[0], NAME_WIDTH), style=style).append(" ")
        table.add_row(name, *(Text(c) for c in row[1:]))
    return table


class CompareTable(ScrollableContainer):
    """Shows the comparison it is handed (j/k and arrows scroll)."""

    BINDINGS: ClassVar[list[BindingType]] = [*TABLE_BINDINGS]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.comparison: Comparison | None = None
        self.metric: MetricComparison | None = None
        """What is shown (tests read it)."""

    def compose(self) -> ComposeResult:
        """One body the rows are rendered into."""
        yield Static(Text(EMPTY, style="dim"), id="compare-body")

    def action_cursor_down(self) -> None:
        """Scroll down a line."""
        self.scroll_down()

    def action_cursor_up(self) -> None:
        """Scroll up a line."""
        self.scroll_up()

    def show(self, comparison: Comparison | None, metric: MetricComparison | None,
             colors: Mapping[str, RGB]) -> None:  # fmt: skip
        """Show ``metric`` of ``comparison``, each run coloured like its curve."""
        self.comparison, self.metric = comparison, metric
        body = self.query_one("#compare-body", Static)
        if comparison is None or metric is None or len(metric.runs) < 2:
            self.border_title, self.border_subtitle = Text("compare"), Text("")
            body.update(Text(EMPTY, style="dim"))
            return
        ids = comparison.run_ids
        styles = [rgb_style(colors.get(ids.get(r.run, ""))) for r in metric.runs]
        parts: list[RenderableType] = [_table(RUN_HEADERS, run_rows(metric), styles)]
        if any(len(g.runs) > 1 for g in metric.groups):
            rows = group_rows(metric)
            parts.append(_table(GROUP_HEADERS, rows, ["bold"] * len(rows)))
        parts += [Text(line, style="italic") for line in pair_lines(metric)]
        parts += [Text(note, style="dim") for note in metric.notes]
        at = f"step {fmt_step(metric.step)}" if metric.step is not None else metric.at
        reference = comparison.reference or ""
        self.border_title = Text(f"compare at {at} vs {shorten(reference, 30)}")
        rule = metric.pairs[0].divergence.rule if metric.pairs else ""
        self.border_subtitle = Text(rule)
        body.update(Group(*parts))
