"""Hand-parsing the protobuf wire format: varints and splitting a message into its fields.

The binary log formats (TensorBoard events, W&B ``.wandb`` records) are protobufs of which
curvelens needs a handful of fields; decoding them by hand avoids a protobuf dependency and
its generated modules, and is fast enough for runs with a million points.
"""

from __future__ import annotations

Field = tuple[int, int, int | bytes]
"""One decoded field: (field number, wire type, int for varints or the raw bytes)."""


def varint(buf: bytes, pos: int) -> tuple[int, int]:
    """The base-128 varint starting at ``pos`` and the position just after it."""
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def signed(value: int) -> int:
    """A varint read as a 64-bit two's-complement int (protobuf ``int64``)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def fields(buf: bytes, start: int = 0, end: int | None = None) -> list[Field]:
    """Split one protobuf message into (field number, wire type, raw value) triples.

    Raises ValueError on an unknown wire type and IndexError on a truncated message.
    """
    end = len(buf) if end is None else end
    out: list[Field] = []
    pos = start
    while pos < end:
        key, pos = varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            size, pos = varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        if pos > end:
            raise IndexError("protobuf field runs past the end of its message")
        out.append((number, wire, value))
    return out
