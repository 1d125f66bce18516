"""Extra curves drawn over the plot as plain traces (the plot has no fill or dashed rules):
seed-group mean curves with faint mean ± std edges, vertical divergence markers; and the
NaN/inf steps of the visible points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from curvelens.tui.plotdata import Trace, Visible

RGB = tuple[int, int, int]
MAX_NAN_STEPS = 8
"""NaN/inf stretches reported per run (the anomalies list has them all)."""


@dataclass(frozen=True)
class Band:
    """One group's mean curve and mean ± std edges, thinned for the plot."""

    group: str
    x: list[float]
    mean: list[float]
    low: list[float]
    high: list[float]


def faint(color: RGB, background: RGB, amount: float = 0.5) -> RGB:
    """``color`` moved ``amount`` of the way towards the background."""
    r, g, b = (int(c + (k - c) * amount) for c, k in zip(color, background, strict=True))
    return (r, g, b)


def band_traces(
    bands: Sequence[Band],
    traces: list[Trace],
    run_colors: dict[str, RGB],
    group_colors: dict[str, RGB],
    background: RGB,
) -> tuple[list[Trace], dict[str, str], dict[str, RGB]]:
    """Runs faded and unlabelled behind each group's band edges and labelled mean curve;
    returns (traces, labels, colours)."""
    out = [Trace(t.run_id, t.x, t.y, None) for t in traces]
    colors = {t.run_id: faint(run_colors.get(t.run_id, (200, 200, 200)), background, 0.7)
              for t in traces}  # fmt: skip
    labels: dict[str, str] = {}
    for band in bands:
        color = group_colors.get(band.group, (200, 200, 200))
        key = f"group:{band.group}"
        for edge, ys in (("low", band.low), ("high", band.high)):
            out.append(Trace(f"{key}:{edge}", band.x, ys, None))
            colors[f"{key}:{edge}"] = faint(color, background, 0.4)
        out.append(Trace(key, band.x, band.mean, None))
        colors[key], labels[key] = color, f"{band.group} (mean ± std)"
    return out, labels, colors


def marker_trace(trace_id: str, x: float, span: tuple[float, float]) -> Trace:
    """A vertical line at ``x`` across the y ``span``."""
    return Trace(trace_id, [x, x], [span[0], span[1]], None)


def nonfinite_steps(view: Visible) -> list[float]:
    """First step of each stretch of NaN/inf raw values in the visible points."""
    bad = ~np.isfinite(view.raw)
    if not bad.any():
        return []
    starts = np.flatnonzero(bad & ~np.concatenate(([False], bad[:-1])))
    return [float(view.step[i]) for i in starts[:MAX_NAN_STEPS]]


def y_span(traces: list[Trace], ylim: tuple[float, float] | None) -> tuple[float, float] | None:
    """The y range a vertical marker spans: the plot's limits, else the traces' extent."""
    if ylim is not None:
        return ylim
    ys = [y for t in traces for y in t.y]
    return (min(ys), max(ys)) if ys else None
