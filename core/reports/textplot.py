"""Plain-text line plots (plotext, no colour codes) for reports written to files.

A pure function: series in, text out. plotext is imported inside it, so importing this
module (and core) stays cheap; only ``report`` draws.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _finite_points(
    steps: Sequence[float], values: Sequence[float], logy: bool
) -> tuple[list[float], list[float]]:
    """The drawable points: finite, and positive on a log axis."""
    xs, ys = [], []
    for x, y in zip(steps, values, strict=True):
        fx, fy = float(x), float(y)
        if math.isfinite(fx) and math.isfinite(fy) and (fy > 0 or not logy):
            xs.append(fx)
            ys.append(fy)
    return xs, ys


def render_series(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    title: str,
    width: int,
    height: int,
    logy: bool = False,
) -> str:
    """A line plot of named ``(steps, values)`` series as text without colour codes.

    Non-finite points are left out (and non-positive ones on a log axis); a series with no
    drawable point is skipped, and with none at all the plot says so.
    """
    import plotext as plt

    plt.clear_figure()
    plt.plot_size(width, height)
    plt.theme("clear")
    plt.title(title)
    drawn = 0
    for name, (steps, values) in series.items():
        xs, ys = _finite_points(steps, values, logy)
        if xs:
            plt.plot(xs, ys, label=name, marker="braille")
            drawn += 1
    if not drawn:
        return f"{title}\n(no finite values to plot)\n"
    if logy:
        plt.yscale("log")
    plt.xlabel("step")
    text = _ANSI.sub("", str(plt.build()))
    plt.clear_figure()
    return text.rstrip() + "\n"
