"""A minimal TensorBoard event-file encoder for tests and benchmarks (not shipped).

Hand-encodes the few protobuf fields the reader decodes, so tests can write files with
known contents without installing TensorFlow or tensorboard.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from curvelens.core.readers.tfrecord import masked_crc32c


def varint(value: int) -> bytes:
    """Protobuf base-128 varint of a non-negative int (negative ints as 64-bit two's complement)."""
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number: int, wire: int, payload: bytes) -> bytes:
    """One encoded field; ``payload`` is already encoded for its wire type."""
    key = varint(number << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def simple_value(tag: str, value: float) -> bytes:
    """A Summary.Value with an old-style simple_value."""
    return field(1, 2, tag.encode()) + field(2, 5, struct.pack("<f", value))


def tensor_value(
    tag: str, value: float, *, double: bool = False, with_plugin: bool = True
) -> bytes:
    """A Summary.Value with a new-style 0-d tensor (tensor_content bytes)."""
    dtype, content = (2, struct.pack("<d", value)) if double else (1, struct.pack("<f", value))
    tensor = field(1, 0, varint(dtype)) + field(2, 2, b"") + field(4, 2, content)
    out = field(1, 2, tag.encode()) + field(8, 2, tensor)
    if with_plugin:
        plugin = field(1, 2, field(1, 2, b"scalars"))
        out += field(9, 2, plugin)
    return out


def event(step: int, wall_time: float, values: Iterable[bytes] = ()) -> bytes:
    """An Event with a Summary holding ``values`` (or a file_version event when empty)."""
    body = field(1, 1, struct.pack("<d", wall_time)) + field(2, 0, varint(step))
    summary = b"".join(field(1, 2, v) for v in values)
    body += field(5, 2, summary) if summary else field(3, 2, b"brain.Event:2")
    return body


def record(payload: bytes) -> bytes:
    """Frame a payload as a TFRecord with correct masked CRCs."""
    header = struct.pack("<Q", len(payload))
    return (
        header
        + struct.pack("<I", masked_crc32c(header))
        + payload
        + struct.pack("<I", masked_crc32c(payload))
    )
