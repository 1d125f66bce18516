"""Run parameters: flattening nested configs to dotted keys and formatting values as text.

Params are the settings a run was started with (config files, constant log columns); the
app and the CLI group and filter runs by them, so every reader flattens them the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeAlias

ParamValue: TypeAlias = str | int | float | bool | None
"""A scalar parameter value, as it appears in :attr:`RunData.params`."""


def flatten_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, ParamValue]:
    """Flatten a nested mapping to ``{"a.b.c": scalar}``; lists become their JSON text.

    Empty nested mappings produce no key. Keys are converted to ``str``.
    """
    flat: dict[str, ParamValue] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_config(value, prefix=f"{name}."))
        elif value is None or isinstance(value, str | int | float | bool):
            flat[name] = value
        else:
            flat[name] = json.dumps(value, default=str, sort_keys=True)
    return flat


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
