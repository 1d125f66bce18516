"""Number formatting and aligned tables shared by every text and Markdown writer.

One place decides how a value looks (significant digits, ``nan``, integer steps without
``.0``) so the summary, compare and report outputs agree with each other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Significant digits of metric values in text and Markdown tables.
DIGITS = 4


def fmt_value(x: float | None, digits: int = DIGITS) -> str:
    """A metric value with ``digits`` significant digits; ``-`` when missing."""
    if x is None:
        return "-"
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}g}"


def fmt_step(x: float | None) -> str:
    """A step: integer-valued steps without ``.0``, others with up to 6 digits."""
    if x is None or not math.isfinite(x):
        return fmt_value(x)
    return str(int(x)) if x == int(x) else f"{x:.6g}"


def json_number(x: float | None) -> float | None:
    """A float for strict JSON: NaN and +/-inf become ``None`` (written as null)."""
    return None if x is None or not math.isfinite(x) else float(x)


def json_step(x: float | None) -> int | float | None:
    """A step for JSON: an int when integer-valued, null when missing or non-finite."""
    value = json_number(x)
    return int(value) if value is not None and value == int(value) else value


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """An aligned plain-text table; ``align`` holds ``l`` or ``r`` per column."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.ljust(w) if a == "l" else c.rjust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """A GitHub-flavoured Markdown table with the same alignment rules."""
    widths = [max([len(h), 3] + [len(_md(r[i])) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            _md(c).ljust(w) if a == "l" else _md(c).rjust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        ]
        return "| " + " | ".join(parts) + " |"

    marks = [
        ("-" * (w - 1) + ":") if a == "r" else "-" * w for w, a in zip(widths, align, strict=True)
    ]
    return "\n".join([line(headers), "| " + " | ".join(marks) + " |", *(line(r) for r in rows)])


def _md(cell: str) -> str:
    """Escape the one character that breaks a Markdown table cell."""
    return cell.replace("|", "\\|")
