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

MIN_NAME = 10
"""Name cells an entry keeps (fewer entries share a line instead)."""


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
    """The readout's content: ``at`` then one ``● name value`` entry per run, as many
    entries per line as fit with names of at least :data:`MIN_NAME` cells."""
    if by_value:
        readings = sorted(readings, key=_by_value)
    text = Text(at + " ", style="bold")
    avail = max(20, width - len(at) - 1)
    values = [fmt_value(r.value) for r in readings]
    value_width = max((len(v) for v in values), default=1)
    per_line = max(1, min(len(readings), avail // (value_width + MIN_NAME + 5)))
    room = max(MIN_NAME, avail // max(per_line, 1) - value_width - 5)
    for index, reading in enumerate(readings):
        if index and index % per_line == 0:
            text.append("\n" + " " * (len(at) + 1))
        text.append(f"{reading.marker} ", style=rgb_style(reading.color))
        text.append(shorten(reading.name, room) + " ")
        text.append(values[index], style="bold")
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

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._lines: int | None = None

    def show(self, text: Text) -> None:
        """Show ``text``; a new layout only when its number of lines changed (a layout
        repaints the whole screen)."""
        lines = text.plain.count("\n")
        self.update(text, layout=lines != self._lines)
        self._lines = lines
