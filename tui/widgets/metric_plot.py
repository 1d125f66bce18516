"""The plot pane: selected runs' curves of one metric on a braille canvas with y ticks, x ticks
and the cursor line, from traces that are already smoothed, cut to the zoom and downsampled.
The legend is the readout line under the plot (it never covers the curves)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.binding import BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from curvelens.core.naming import shorten
from curvelens.tui.canvas import Canvas
from curvelens.tui.keys import PLOT_BINDINGS
from curvelens.tui.plotdata import Trace
from curvelens.tui.ticks import nice_ticks, number_labels, time_ticks

RGB = tuple[int, int, int]
Line = list[tuple[str, Style | None]]
"""One row of the plot: (text, style) runs; None is the widget's own style."""


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
    legend: bool = False
    """Show ``labels`` in a row above the canvas (runs are named by the readout under the
    plot instead; overlays such as group bands turn this on for their own labels)."""
    empty: str = "nothing to plot"
    """Shown instead of a plot when there are no traces."""
    markers: dict[str, str] = field(default_factory=dict)
    """Trace id -> marker shape drawn instead of braille dots (NO_COLOR: runs differ by shape)."""


def _marker_cells(canvas: Canvas, shapes: list[str | None]) -> list[tuple[int, int, int, str]]:
    """(row, column, colour index, shape) of the markers drawn over the lines: the k-th of n
    shaped lines owns every column ``c`` with ``c % n == k`` it passes, so every run shows its
    shape along its whole curve even where later lines cover it."""
    shaped = [(i, shape) for i, shape in enumerate(shapes) if shape and i < len(canvas.masks)]
    out = []
    for rank, (index, shape) in enumerate(shaped):
        mask = canvas.masks[index].copy()
        mask[:, [c for c in range(canvas.width) if c % len(shaped) != rank]] = False
        out += [(int(r), int(c), index, shape) for r, c in np.argwhere(mask)]
    return out


def faint(color: RGB, background: RGB) -> RGB:
    """``color`` mixed 60 % into the background: the raw curve behind a smoothed one."""
    r, g, b = (int(c * 0.4 + k * 0.6) for c, k in zip(color, background, strict=True))
    return (r, g, b)


def _limits(values: list[np.ndarray]) -> tuple[float, float] | None:
    """(min, max) of the finite values, widened when flat; None when there are none."""
    finite = [v[np.isfinite(v)] for v in values]
    finite = [v for v in finite if v.size]
    if not finite:
        return None
    lo, hi = min(float(v.min()) for v in finite), max(float(v.max()) for v in finite)
    if hi <= lo:
        pad = abs(lo) * 0.05 or 0.5
        lo, hi = lo - pad, hi + pad
    return lo, hi


def _log(values: np.ndarray) -> np.ndarray:
    """log10 of the positive values, NaN elsewhere."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log10(values), np.nan)


class MetricPlot(Widget):
    """One metric, every selected run overlaid; ←/h and →/l post :class:`CursorMoved`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"metric-plot--tick", "metric-plot--axis"}
    DEFAULT_CSS = """
    MetricPlot {
        width: 1fr;
        height: 1fr;
    }
    MetricPlot > .metric-plot--tick { color: $text-muted; }
    MetricPlot > .metric-plot--axis { color: $panel-lighten-3; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [*PLOT_BINDINGS]
    can_focus = True

    class CursorMoved(Message):
        """The user moved the cursor ``direction`` (-1 left, 1 right) steps."""

        def __init__(self, plot: MetricPlot, direction: int) -> None:
            super().__init__()
            self.plot, self.direction = plot, direction

        @property
        def control(self) -> MetricPlot:
            """The plot."""
            return self.plot

    class Resized(Message):
        """The plot's size changed: its traces are downsampled for the old width."""

    def on_resize(self) -> None:
        """Ask for traces that fit the new width (the main plot only; tiles are the grid's)."""
        if self.can_focus:
            self.post_message(self.Resized())

    def action_cursor(self, direction: int) -> None:
        """Ask the screen to move the cursor."""
        self.post_message(self.CursorMoved(self, direction))

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.spec = PlotSpec()
        """What is drawn now (tests read it)."""
        self.renders = 0
        """Frames drawn so far (tests and the redraw bench count them)."""
        self._frame_key: tuple[object, ...] | None = None
        self._lines: list[Line] = []
        self._strips: dict[int, Strip] = {}

    def draw(self, spec: PlotSpec) -> None:
        """Show ``spec`` at the next repaint (drawn once per frame, in :meth:`render_line`)."""
        self.spec = spec
        self._frame_key = None
        self.refresh()

    @property
    def frame_pending(self) -> bool:
        """A spec was handed over and not drawn yet (its frame is not on screen)."""
        return self._frame_key is None and self.display

    def frame(self) -> list[Line]:
        """Every row of the plot at the current size (cached until the spec, size or theme
        changes): the canvas is drawn here, once."""
        key = (id(self.spec), self.size, self.background_colors[1].rgb, self.rich_style)
        if key != self._frame_key:
            self.renders += 1
            self._lines, self._frame_key = self._draw(self.spec, *self.size), key
            self._strips = {}
        return self._lines

    def render_line(self, y: int) -> Strip:
        """Row ``y`` as segments built straight from the canvas (no markup or Text parsing),
        kept until the frame changes (a repaint of the same frame reuses them)."""
        lines, base = self.frame(), self.rich_style
        if y in self._strips:
            return self._strips[y]
        if y >= len(lines):
            strip = Strip.blank(self.size.width, base)
        else:
            segments = [Segment(text, base + style if style else base) for text, style in lines[y]]
            strip = Strip(segments).adjust_cell_length(self.size.width, base)
        self._strips[y] = strip
        return strip

    def plain(self) -> str:
        """The plot as plain text, row by row (tests read it)."""
        return "\n".join("".join(text for text, _ in line) for line in self.frame())

    def _draw(self, spec: PlotSpec, width: int, height: int) -> list[Line]:
        """Title, legend row, y-tick gutter, canvas and x axis rows; a message when empty."""
        title: list[Line] = []
        if spec.title:
            title = [[(f"{spec.title[:width]:^{width}}", Style(bold=True))]]
        if spec.legend and spec.labels and spec.traces:
            title.append(self._legend(spec, width))
        body = self._body(spec, width, height - len(title)) if spec.traces else None
        if body is None:
            message = spec.empty if not spec.traces else "no finite values here"
            return [*title, [], [(f"{message[:width]:^{width}}", Style(dim=True))]]
        return title + body

    @staticmethod
    def _legend(spec: PlotSpec, width: int) -> Line:
        """One row above the canvas (never over the curves): colour dot and label of each
        labelled trace, names shortened to share the row."""
        room = max(6, width // len(spec.labels) - 4)
        line: Line = []
        for trace_id, label in spec.labels.items():
            r, g, b = spec.colors.get(trace_id, (200, 200, 200))
            shape = spec.markers.get(trace_id, "●")
            line += [(f" {shape} ", Style(color=f"rgb({r},{g},{b})")), (shorten(label, room), None)]
        return line

    def _background(self) -> RGB:
        """The pane's background colour, for the faint raw curves."""
        return self.background_colors[1].rgb

    def _inks(self) -> tuple[Style, Style]:
        """(tick label, axis line) styles from the component classes (themeable in .tcss)."""
        tick = self.get_component_rich_style("metric-plot--tick", partial=True)
        axis = self.get_component_rich_style("metric-plot--axis", partial=True)
        return tick, axis

    def _transformed(self, spec: PlotSpec) -> list[tuple[Trace, np.ndarray, np.ndarray | None]]:
        """(trace, y, raw y) with the log transform applied when the y axis is log."""
        out = []
        for t in spec.traces:
            y = np.asarray(t.y, dtype=np.float64)
            raw = np.asarray(t.raw[1], dtype=np.float64) if t.raw else None
            if spec.log_y:
                y, raw = _log(y), (_log(raw) if raw is not None else None)
            out.append((t, y, raw))
        return out

    def _body(self, spec: PlotSpec, width: int, height: int) -> list[Line] | None:
        """y-tick gutter, canvas and x axis lines; None when nothing finite is visible."""
        curves = self._transformed(spec)
        xs = [np.asarray(t.x, dtype=np.float64) for t, _, _ in curves]
        ys = [y for _, y, _ in curves] + [r for _, _, r in curves if r is not None]
        xlim, ylim = spec.xlim or _limits(xs), _limits(ys)
        if spec.ylim is not None:
            ylim = _limits([_log(np.array(spec.ylim)) if spec.log_y else np.array(spec.ylim)])
        if xlim is None or ylim is None or height < 3 or width < 12:
            return None
        if xlim[1] <= xlim[0]:
            xlim = (xlim[0] - 0.5, xlim[0] + 0.5)
        rows = height - 2
        yticks = self._yticks(ylim, rows, spec.log_y)
        gutter = max(len(label) for _, label in yticks) + 1
        canvas = Canvas(width - gutter - 1, rows, xlim, (float(ylim[0]), float(ylim[1])))
        background = self._background()
        for trace, _, raw in curves:
            color = spec.colors.get(trace.run_id, (200, 200, 200))
            if raw is not None and trace.raw:
                canvas.line(np.asarray(trace.raw[0]), raw, faint(color, background), faint=True)
        for trace, y, _ in curves:
            canvas.line(np.asarray(trace.x), y, spec.colors.get(trace.run_id, (200, 200, 200)))
        lines = self._canvas_lines(canvas, yticks, gutter, spec.cursor, self._shapes(spec))
        return [*lines, *self._x_axis(canvas, gutter, spec)]

    @staticmethod
    def _shapes(spec: PlotSpec) -> list[str | None]:
        """Marker shape of each canvas colour index (traces drawn in order, raw ones first)."""
        faint = [None for t in spec.traces if t.raw]
        return [*faint, *(spec.markers.get(t.run_id) for t in spec.traces)]

    @staticmethod
    def _yticks(ylim: tuple[float, float], rows: int, log_y: bool) -> list[tuple[float, str]]:
        """(position, label) of the y ticks, about one every 3 rows."""
        ticks: list[float] = []
        for count in range(max(3, rows // 3), max(4, rows // 2 + 1)):
            ticks = nice_ticks(ylim[0], ylim[1], count)
            if len(ticks) >= 2:
                break
        if len(ticks) < 2:  # a range too odd for round ticks: label both ends
            ticks = [ylim[0], ylim[1]]
        labels = number_labels([10**t if log_y else t for t in ticks])
        return list(zip(ticks, labels, strict=True))

    def _canvas_lines(
        self, canvas: Canvas, yticks: list[tuple[float, str]], gutter: int, cursor: float | None,
        shapes: list[str | None],
    ) -> list[Line]:  # fmt: skip
        """The canvas rows with the y axis (ticks and labels) and the cursor column."""
        labels = {canvas.row_of(t): label for t, label in yticks}
        cursor_col = canvas.column_of(cursor) if cursor is not None else None
        styles = [Style(color=f"rgb({r},{g},{b})") for r, g, b in canvas.colors]
        ink, axis = self._inks()
        out = []
        rows = canvas.chars()
        colors_grid = canvas.color.copy()
        for row, col, index, shape in _marker_cells(canvas, shapes):
            rows[row] = rows[row][:col] + shape + rows[row][col + 1 :]
            colors_grid[row, col] = index
        for row, chars in enumerate(rows):
            label = labels.get(row) or ""
            line: Line = [(" " * (gutter - 1 - len(label)), None), (label, ink)]
            line.append(("┤" if label else "│", axis))
            colors = colors_grid[row].tolist()
            start = 0
            for col in range(1, canvas.width + 1):
                if col == canvas.width or colors[col] != colors[start]:
                    run = chars[start:col]
                    style = styles[colors[start]] if colors[start] >= 0 else None
                    if cursor_col is not None and start <= cursor_col < col and style is None:
                        k = cursor_col - start
                        line += [(run[:k], None), ("│", axis), (run[k + 1 :], None)]
                    else:
                        line.append((run, style))
                    start = col
            out.append(line)
        return out

    def _x_axis(self, canvas: Canvas, gutter: int, spec: PlotSpec) -> list[Line]:
        """The x axis line with tick marks and the tick labels under it."""
        lo, hi = canvas.xlim
        count = max(3, canvas.width // 12)
        if spec.x_axis in ("wall", "relative"):
            pairs = time_ticks(lo, hi, spec.x_axis, max(3, canvas.width // 14))
        else:
            ticks = nice_ticks(lo, hi, count)
            pairs = list(zip(ticks, number_labels(ticks), strict=True))
        marks = ["─"] * canvas.width
        row = [" "] * (gutter + canvas.width + 1)
        ink, axis = self._inks()
        placed: list[tuple[int, str]] = []
        for t, label in pairs:
            col = canvas.column_of(t)
            if col is None:
                continue
            marks[col] = "┬"
            start = min(max(gutter + col - len(label) // 2, 0), len(row) - len(label))
            if not placed or start > placed[-1][0] + len(placed[-1][1]):
                placed.append((start, label))
        labels: Line = []
        end = 0
        for start, label in placed:
            labels += [(" " * (start - end), None), (label, ink)]
            end = start + len(label)
        return [[(" " * (gutter - 1), None), ("└" + "".join(marks), axis)], labels]
