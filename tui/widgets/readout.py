"""The cursor readout under the plot: every plotted run's marker, name and value at the
cursor (the last visible value without one), in plot order or sorted by value, wrapped over
as many lines as the runs need; notes (divergence, NaN steps) follow."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from curvelens.core.naming import shorten
from curvelens.tui.text import fmt_value, rgb_style


@dataclass(frozen=True)
class Reading:
    """One run's entry in the readout."""

    name: str
    color: tuple[int, int, int] | None
    marker: str
    value: float | None


def _by_value(reading: Reading) -> tuple[bool, float]:
    """Sort key: ascending values, missing and NaN last."""
    value = reading.value
    missing = value is None or math.isnan(value)
    return missing, 0.0 if value is None or missing else value


def readout_text(
    at: str, readings: list[Reading], width: int, by_value: bool, note: Text | None = None
) -> Text:
    """The readout's content: ``at`` then one ``● name value`` entry per run, names cut so
    at most three entries share a line."""
    if by_value:
        readings = sorted(readings, key=_by_value)
    text = Text(at + " ", style="bold")
    per_line = max(1, min(3, len(readings)))
    room = max(8, (width - len(at) - 1) // per_line - 12)
    for index, reading in enumerate(readings):
        if index and index % per_line == 0:
            text.append("\n" + " " * (len(at) + 1))
        text.append(f"{reading.marker} ", style=rgb_style(reading.color))
        text.append(shorten(reading.name, room) + " ")
        text.append(fmt_value(reading.value), style="bold")
        text.append("  ")
    if note is not None and note.plain:
        text.append("\n")
        text.append_text(note)
    return text


class Readout(Static):
    """Shows :func:`readout_text` (the screen hands over the readings)."""

    DEFAULT_CSS = """
    Readout { height: auto; max-height: 8; padding: 0 1; }
    """
