"""The plot pane: selected runs' curves of one metric drawn with plotext, from traces that
are already smoothed, cut to the zoom and downsampled (plotext's cost grows with points)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual.app import RenderResult
from textual.binding import BindingType
from textual.color import Color
from textual_plotext import PlotextPlot

from curvelens.tui.keys import PLOT_BINDINGS
from curvelens.tui.plotdata import Trace
from curvelens.tui.text import fmt_num

RGB = tuple[int, int, int]
LEGEND_MAX = 8
"""No legend above this many runs: it would hide the curves (the run list is the legend)."""


@dataclass(frozen=True)
class PlotSpec:
    """Everything one drawing of the plot needs."""

    traces: list[Trace] = field(default_factory=list)
    colors: dict[str, RGB] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    x_axis: str = "step"
    log_y: bool = False
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None
    cursor: float | None = None
    title: str = ""
    legend: bool = True
    empty: str = "nothing to plot"
    """Shown instead of a plot when there are no traces."""


def _duration(seconds: float) -> str:
    """A compact duration label: ``45s``, ``12m``, ``3h20``, ``2d4h``."""
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds:.0f}s"
    if seconds < 3600:
        return f"{sign}{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{sign}{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}"
    return f"{sign}{int(seconds // 86400)}d{int(seconds % 86400 // 3600)}h"


def time_ticks(lo: float, hi: float, x_axis: str, count: int = 4) -> tuple[list[float], list[str]]:
    """Tick positions and labels for a time axis (local clock time or durations)."""
    if hi <= lo:
        hi = lo + 1.0
    ticks = [lo + (hi - lo) * i / (count - 1) for i in range(count)]
    if x_axis == "relative":
        return ticks, [_duration(t) for t in ticks]
    fmt = "%H:%M" if hi - lo < 86400 else "%m-%d %H:%M"
    return ticks, [time.strftime(fmt, time.localtime(t)) for t in ticks]


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick positions (1, 2, 5 x 10^k steps) inside [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def faint(color: RGB, background: RGB) -> RGB:
    """``color`` mixed halfway into the background: the raw curve behind a smoothed one."""
    r, g, b = (int((c + k) / 2) for c, k in zip(color, background, strict=True))
    return (r, g, b)


class MetricPlot(PlotextPlot):
    """One metric, every selected run overlaid; h/l move the cursor when focused."""

    BINDINGS: ClassVar[list[BindingType]] = [*PLOT_BINDINGS]
    can_focus = True

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.spec = PlotSpec()
        """What is drawn now (tests read it)."""

    def draw(self, spec: PlotSpec) -> None:
        """Replace the figure with ``spec`` and repaint."""
        self.spec = spec
        plt = self.plt
        plt.clear_figure()
        plt.xscale("linear")
        plt.yscale("linear")
        if not spec.traces:
            plt.title(spec.empty)
            self.refresh()
            return
        self._curves(spec)
        self._axes(spec)
        self.refresh()

    def render(self) -> RenderResult:
        """The plot; a plotext failure shows as a message instead of ending the app."""
        try:
            return super().render()
        except Exception as exc:  # plotext raises plain errors on odd data
            return Text(f"cannot draw this plot: {type(exc).__name__}: {exc}", style="red")

    def _background(self) -> RGB:
        """The pane's background colour, for the faint raw curves."""
        surface = self.app.theme_variables.get("surface", "#1e1e1e")
        return Color.parse(surface).rgb

    def _curves(self, spec: PlotSpec) -> None:
        """Raw curves (faint) first, then the main ones with labels."""
        plt, background = self.plt, self._background()
        legend = spec.legend and len(spec.traces) <= LEGEND_MAX
        for trace in spec.traces:
            color = spec.colors.get(trace.run_id, (200, 200, 200))
            if trace.raw is not None and trace.raw[0]:
                plt.plot(*trace.raw, color=faint(color, background), marker="braille")
        for trace in spec.traces:
            if not trace.x:
                continue
            color = spec.colors.get(trace.run_id, (200, 200, 200))
            label = spec.labels.get(trace.run_id) if legend else None
            plt.plot(trace.x, trace.y, color=color, marker="braille", label=label)

    def _axes(self, spec: PlotSpec) -> None:
        """Scales, limits, ticks, the cursor line and the title."""
        plt = self.plt
        if spec.log_y:
            plt.yscale("log")
        if spec.xlim is not None:
            plt.xlim(*spec.xlim)
        if spec.ylim is not None:
            plt.ylim(*spec.ylim)
        xs = [v for t in spec.traces for v in (t.x[:1] + t.x[-1:])]
        if xs:
            lo, hi = spec.xlim or (min(xs), max(xs))
            if spec.x_axis == "step":
                ticks = nice_ticks(lo, hi, max(2, self.size.width // 14))
                plt.xticks(ticks, [fmt_num(t) for t in ticks])
            else:
                plt.xticks(*time_ticks(lo, hi, spec.x_axis))
        ys = [v for t in spec.traces for v in (t.y + (t.raw[1] if t.raw else []))]
        if ys and not spec.log_y:
            lo, hi = spec.ylim or (min(ys), max(ys))
            ticks = nice_ticks(lo, hi, max(2, self.size.height // 4))
            plt.yticks(ticks, [fmt_num(t) for t in ticks])
        if spec.cursor is not None:
            plt.vline(spec.cursor, color="gray")
        if spec.title:
            plt.title(spec.title)
