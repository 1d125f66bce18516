"""Each metric's direction: an option, else the table of known names, else the curves' trend.

Trend rule (unknown names): per run with at least 8 finite points, the median of the last
quarter of its finite values against the median of the first quarter; the runs vote, rising
means higher is better, falling (or a tie, or too few points) lower is better. Options win
over both, and ``lower`` wins when both match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from curvelens.core.analysis.direction import LOWER_IS_BETTER, quantity
from curvelens.core.comparison.model import Direction

Curve = tuple[np.ndarray, np.ndarray]
MIN_TREND_POINTS = 8


def _compile(pattern: str | None) -> re.Pattern[str] | None:
    """The compiled option regex (validated by the caller), or None."""
    return re.compile(pattern) if pattern else None


def _trend_votes(curves: Sequence[Curve]) -> tuple[int, int]:
    """(rising, falling) runs by the trend rule of the module docstring."""
    up = down = 0
    for _, values in curves:
        v = values[np.isfinite(values)]
        if v.size < MIN_TREND_POINTS:
            continue
        quarter = v.size // 4
        first, last = float(np.median(v[:quarter])), float(np.median(v[-quarter:]))
        up += last > first
        down += last < first
    return up, down


def direction(
    metric: str,
    curves: Sequence[Curve] = (),
    higher: str | None = None,
    lower: str | None = None,
) -> Direction:
    """The direction of ``metric`` (``curves``: its runs' steps and values)."""
    low, high = _compile(lower), _compile(higher)
    if low is not None and low.search(metric):
        return Direction(False, "option", f"--lower {lower}")
    if high is not None and high.search(metric):
        return Direction(True, "option", f"--higher {higher}")
    found = quantity(metric)
    if found is not None:
        better = found not in LOWER_IS_BETTER
        return Direction(better, "name", f"name measures {found}")
    up, down = _trend_votes(curves)
    if up > down:
        return Direction(True, "trend", f"rises in {up} of {up + down} runs: higher is better")
    if down > up:
        return Direction(False, "trend", f"falls in {down} of {up + down} runs: lower is better")
    return Direction(False, "trend", "no clear trend: lower is better by default")
