"""Axis ticks that read well at any range: round numbers (1, 2, 2.5, 5 x 10^k), clock times at
round intervals with seconds when the range is short, durations that never repeat a label."""

from __future__ import annotations

import math
import time

from curvelens.core.reports.format import fmt_step, fmt_value

TIME_STEPS = (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
    86400, 172800, 604800, 2592000, 31536000,
)  # fmt: skip
"""Round tick intervals in seconds, from a second to a year."""


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick positions (1, 2, 2.5, 5 x 10^k apart) inside [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def number_labels(ticks: list[float]) -> list[str]:
    """Labels for number ticks: integers written out below ten million, else more digits
    until neighbouring labels differ."""
    if all(t == int(t) and abs(t) < 1e7 for t in ticks):
        return [fmt_step(t) for t in ticks]
    for digits in (4, 5, 6, 8, 10):
        labels = [fmt_value(0.0 if abs(t) < 1e-12 else t, digits) for t in ticks]
        if len(set(labels)) == len(labels):
            return labels
    return labels


def _time_step(span: float, count: int) -> float:
    """The smallest round interval giving at most ``count`` ticks over ``span`` seconds."""
    raw = span / max(count - 1, 1)
    for step in TIME_STEPS:
        if step >= raw:
            return float(step)
    return float(math.ceil(raw / TIME_STEPS[-1]) * TIME_STEPS[-1])


def duration(seconds: float, step: float) -> str:
    """A duration label precise enough for ticks ``step`` seconds apart (``45s``, ``12m30s``,
    ``3h20``, ``2d4h``); sub-second spans show decimals."""
    sign, s = ("-" if seconds < 0 else ""), abs(seconds)
    if step < 1:
        return f"{sign}{s:.{max(0, -math.floor(math.log10(step)))}f}s"
    if s < 60:
        return f"{sign}{s:.0f}s"
    if s < 3600:
        minutes, rest = divmod(round(s), 60)
        return f"{sign}{minutes}m{rest:02d}s" if step < 60 else f"{sign}{minutes}m"
    if s < 86400:
        hours, rest = divmod(round(s / 60), 60)
        return f"{sign}{hours}h{rest:02d}"
    days, rest = divmod(round(s / 3600), 24)
    return f"{sign}{days}d{rest}h"


def time_ticks(lo: float, hi: float, x_axis: str, count: int = 4) -> list[tuple[float, str]]:
    """(position, label) of round time ticks: clock times on ``wall`` (seconds shown when the
    interval is under a minute, the date when the range crosses days), durations on
    ``relative``; sub-second ranges fall back to number ticks."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        hi = lo + 1.0
    span = hi - lo
    if span < 2:
        ticks = nice_ticks(lo, hi, count)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        if x_axis == "relative":
            return [(t, duration(t, step)) for t in ticks]
        return [(t, time.strftime("%H:%M:%S", time.localtime(t)) + f"+{t % 1:.2f}"[1:])
                for t in ticks]  # fmt: skip
    step = _time_step(span, count)
    offset = 0.0 if x_axis == "relative" else _utc_offset(lo)
    first = math.ceil((lo + offset) / step) * step - offset
    ticks = [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]
    if x_axis == "relative":
        return [(t, duration(t, step)) for t in ticks]
    if step < 60:
        fmt = "%H:%M:%S"
    elif span >= 86400:
        fmt = "%m-%d" if step >= 86400 else "%m-%d %H:%M"
    else:
        fmt = "%H:%M"
    return [(t, time.strftime(fmt, time.localtime(t))) for t in ticks]


def _utc_offset(t: float) -> float:
    """Seconds the local time zone is ahead of UTC at ``t`` (ticks fall on local hours)."""
    return float(time.localtime(t).tm_gmtoff)
