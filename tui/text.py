"""Text for the app's cells: every string from users' files goes through core's printable and
into a :class:`rich.text.Text` (never markup); numbers use core's one number format."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from curvelens.core.printable import printable
from curvelens.core.reports.format import fmt_step, fmt_value

__all__ = ["fmt_age", "fmt_step", "fmt_value", "plain", "rgb_style"]


def plain(value: object, style: str = "") -> Text:
    """``value`` as printable Text (a metric named ``[/]loss`` stays literal)."""
    return Text(printable(str(value)), style=style)


def rgb_style(color: tuple[int, int, int] | None) -> str:
    """A Rich style string for a run colour ("" for none)."""
    return f"rgb({color[0]},{color[1]},{color[2]})" if color else ""


def fmt_age(updated: datetime | None, now: float) -> str:
    """How long ago ``updated`` was, relative to the unix time ``now`` (``5m``, ``3h``, ``2d``)."""
    if updated is None:
        return "-"
    seconds = max(0.0, now - updated.timestamp())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"
