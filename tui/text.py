"""Text helpers for values that come from users' files: strip control characters, shorten
long names from the middle and format numbers compactly, so a cell stays readable and safe."""

from __future__ import annotations

import math
import re
from datetime import datetime

from curvelens.core.printable import printable


def clean(value: object) -> str:
    """``str(value)`` with control and format characters replaced, so it cannot drive the
    terminal (escape sequences, bidi overrides) or break a table row (newlines)."""
    return printable(str(value))


def shorten_middle(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters by removing its middle: the tail of a run name
    (config, seed, timestamp) is what tells runs apart, so it stays visible."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    head = (width - 1) // 3
    tail = width - 1 - head
    return f"{text[:head]}…{text[len(text) - tail :]}"


_STAMP = re.compile(r"^(.+?)([_-]\d{8}[_-]?\d{4,6})$")
"""A run name's trailing start time (``_20250301_090000``), the least telling part of it."""


def shorten_name(name: str, width: int) -> str:
    """Cut a run name to ``width``: the full name when it fits; else its trailing timestamp
    goes first (``baseline_lr5e-4_seed0…090000``), then the middle of the rest, so the seed
    and config words that tell runs apart stay visible."""
    if len(name) <= width:
        return name
    match = _STAMP.match(name)
    if match is None or width < 4:
        return shorten_middle(name, width)
    stem, stamp = match.groups()
    if len(stem) + 1 < width:
        return stem + "…" + stamp[len(stamp) - (width - len(stem) - 1) :]
    return shorten_middle(stem, width - 1) + "…"


def fmt_num(value: float | None) -> str:
    """A number in at most ~9 characters: 4 significant digits, ``nan``/``inf`` spelled out."""
    if value is None:
        return "-"
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.4g}"
    return f"{value:.3g}"


def fmt_step(value: float | None) -> str:
    """A step as an integer when it is one (``1200``), else compactly."""
    if value is None or not math.isfinite(value):
        return "-"
    if value == int(value):
        return str(int(value))
    return fmt_num(value)


def fmt_age(updated: datetime | None, now: float) -> str:
    """How long ago ``updated`` was, relative to the unix time ``now`` (``5m``, ``3h``, ``2d``)."""
    if updated is None:
        return "-"
    seconds = max(0.0, now - updated.timestamp())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"
