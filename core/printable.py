"""Text safe to print on a terminal: names and messages come from folder and column names.

A folder or CSV column name may hold escape sequences (``\\x1b]0;...``), bidi overrides or
newlines; printed raw they would drive the user's terminal or break a table row. Every such
character becomes ``?`` (as the app does).
"""

from __future__ import annotations

import re
import unicodedata

REPLACEMENT = "?"


def printable(text: str, keep: str = "") -> str:
    """``text`` with control and format characters (Unicode category C*) replaced, except
    those in ``keep`` (``"\n"`` for a whole multi-line report)."""
    if text.isprintable():
        return text
    if keep:  # check whole pieces between kept characters at C speed; most are printable
        rest = text
        for char in keep:
            rest = rest.replace(char, "")
        if rest.isprintable():
            return text
        pieces = re.split(f"([{re.escape(keep)}])", text)
        return "".join(p if p.isprintable() or p in keep else _replaced(p) for p in pieces)
    return _replaced(text)


def _replaced(text: str) -> str:
    """``text`` with every Unicode category C* character replaced."""
    return "".join(REPLACEMENT if unicodedata.category(ch)[0] == "C" else ch for ch in text)
