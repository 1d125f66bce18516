"""Text safe to print on a terminal: names and messages come from folder and column names.

A folder or CSV column name may hold escape sequences (``\\x1b]0;...``), bidi overrides or
newlines; printed raw they would drive the user's terminal or break a table row. Every such
character becomes ``?`` (as the app does).
"""

from __future__ import annotations

import unicodedata

REPLACEMENT = "?"


def printable(text: str, keep: str = "") -> str:
    """``text`` with control and format characters (Unicode category C*) replaced, except
    those in ``keep`` (``"\n"`` for a whole multi-line report)."""
    if text.isprintable():
        return text
    return "".join(
        REPLACEMENT if ch not in keep and unicodedata.category(ch)[0] == "C" else ch for ch in text
    )
