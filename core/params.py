"""Run parameters: flattening nested configs to dotted keys and formatting values as text.

Params are the settings a run was started with (config files, constant log columns); the
app and the CLI group and filter runs by them, so every reader flattens them the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, TypeAlias

ParamValue: TypeAlias = str | int | float | bool | None
"""A scalar parameter value, as it appears in :attr:`RunData.params`."""


MAX_DEPTH = 32
"""Nesting levels of a config that are flattened; deeper parts become one JSON text."""
MAX_KEYS = 10_000
"""Flattened keys kept of one config; the rest is cut (a YAML alias bomb of mappings)."""
TRUNCATED = "curvelens.truncated"
"""The key that says a config was cut at :data:`MAX_KEYS` keys."""
MAX_TEXT = 4096
"""Characters kept of a list or over-deep value's JSON text."""


def flatten_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, ParamValue]:
    """Flatten a nested mapping to ``{"a.b.c": scalar}``; lists become their JSON text.

    Empty nested mappings produce no key. Keys are converted to ``str``. Never raises on
    hostile content: nesting deeper than :data:`MAX_DEPTH` and values whose JSON text cannot
    be made (too deep) or is longer than :data:`MAX_TEXT` become a short text instead; past
    :data:`MAX_KEYS` keys the rest is cut and :data:`TRUNCATED` says so.
    """
    flat: dict[str, ParamValue] = {}
    stack: list[tuple[str, Iterator[tuple[Any, Any]]]] = [(prefix, iter(config.items()))]
    while stack:  # depth first in mapping order, without recursion
        if len(flat) >= MAX_KEYS:
            flat[TRUNCATED] = f"config too large: only its first {MAX_KEYS} keys kept"
            break
        base, items = stack[-1]
        entry = next(items, None)
        if entry is None:
            stack.pop()
            continue
        name, value = f"{base}{entry[0]}", entry[1]
        if isinstance(value, Mapping) and len(stack) <= MAX_DEPTH:
            stack.append((f"{name}.", iter(value.items())))
        elif value is None or isinstance(value, str | int | float | bool):
            flat[name] = value
        else:
            flat[name] = _json_text(value)
    return flat


def _json_text(value: object) -> str:
    """The JSON text of a list or nested value, shortened; a placeholder when it is too deep
    or too large to write (a YAML alias bomb: a few aliases standing for 9**9 items)."""
    if _too_large(value):
        return "<too large to show>"
    try:
        text = json.dumps(value, default=str, sort_keys=True)
    except (RecursionError, ValueError, TypeError):
        return "<nested too deeply to show>"
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _too_large(value: object) -> bool:
    """Whether ``value`` holds more than :data:`MAX_TEXT` items, counting each reference
    (an alias repeated) as often as JSON would write it; stops counting at the limit."""
    stack, seen = [value], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > MAX_TEXT:
            return True
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set):
            stack.extend(item)
    return False


def format_param(value: ParamValue) -> str | None:
    """The text form of a param value used in the ``param.<key>`` columns (``None`` stays null).

    Booleans print as ``true``/``false`` (as in the JSON config they came from); numbers use
    Python's ``str`` (integral floats keep their ``.0``).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
