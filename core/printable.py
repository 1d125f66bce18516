"""The one sanitizer for text from users' files: names, metrics, params and messages.

A folder or CSV column name may hold escape sequences (``\\x1b]0;...``), bidi overrides or
newlines; printed raw they would drive the user's terminal or break a table row. Every such
character becomes ``?`` (as the app does). A file name that is not valid UTF-8 reaches Python
as lone surrogates (``os.fsdecode``); each such byte is shown escaped as ``\\xNN`` instead, so
it can be printed and written to a UTF-8 file without a crash and still be told apart.
"""

from __future__ import annotations

import re
import unicodedata

REPLACEMENT = "?"
_SURROGATE_BYTES = range(0xDC80, 0xDD00)
"""Lone surrogates ``os.fsdecode`` makes of undecodable bytes 0x80-0xFF."""


def printable(text: str, keep: str = "") -> str:
    """``text`` with control and format characters (Unicode category C*) replaced, except
    those in ``keep`` (``"\n"`` for a whole multi-line report); undecodable file-name bytes
    become ``\\xNN``."""
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


def escape_undecodable(text: str) -> str:
    """``text`` with only its undecodable file-name bytes (lone surrogates) as ``\\xNN``:
    a valid string for polars, JSON and UTF-8 files, other characters kept."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(_char(ch) if ord(ch) in _SURROGATE_BYTES else ch for ch in text)
    return text


def _replaced(text: str) -> str:
    """``text`` with every Unicode category C* character replaced (surrogates escaped)."""
    return "".join(_char(ch) if unicodedata.category(ch)[0] == "C" else ch for ch in text)


def _char(ch: str) -> str:
    """The shown form of one non-printable character."""
    code = ord(ch)
    if code in _SURROGATE_BYTES:
        return f"\\x{code - 0xDC00:02x}"
    return REPLACEMENT
