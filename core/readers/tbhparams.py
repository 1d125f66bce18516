"""TensorBoard ``add_hparams`` values: the hparams plugin's ``session_start_info`` as params.

The plugin content is an ``HParamsPluginData`` (field 3: ``SessionStartInfo``), whose
field 1 is a map from name to ``google.protobuf.Value`` (2 number, 3 string, 4 bool).
"""

from __future__ import annotations

import struct

from curvelens.core.params import ParamValue
from curvelens.core.readers.protobuf import fields

PLUGIN = "hparams"


def session_hparams(content: bytes) -> dict[str, ParamValue]:
    """The hparams in a plugin content, empty when it holds no session start info.

    Raises ValueError/IndexError on a malformed message (the caller reports it)."""
    found: dict[str, ParamValue] = {}
    for number, _, start in fields(content):
        if number != 3 or not isinstance(start, bytes):
            continue
        for entry_number, _, entry in fields(start):
            if entry_number == 1 and isinstance(entry, bytes):
                key, value = _entry(entry)
                if key:
                    found[key] = value
    return found


def _entry(entry: bytes) -> tuple[str, ParamValue]:
    key, value = "", None
    for number, _, raw in fields(entry):
        if number == 1 and isinstance(raw, bytes):
            key = raw.decode("utf-8", "replace")
        elif number == 2 and isinstance(raw, bytes):
            value = _value(raw)
    return key, value


def _value(raw: bytes) -> ParamValue:
    for number, _, item in fields(raw):
        if number == 2 and isinstance(item, bytes) and len(item) == 8:
            number_value = float(struct.unpack("<d", item)[0])
            return int(number_value) if number_value.is_integer() else number_value
        if number == 3 and isinstance(item, bytes):
            return item.decode("utf-8", "replace")
        if number == 4 and isinstance(item, int):
            return bool(item)
    return None
