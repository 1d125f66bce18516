"""A minimal W&B ``.wandb`` writer for tests (not shipped): LevelDB-log framing of Records.

Encodes only the Record fields the reader decodes (history items, run start, exit code) and
splits records across 32 KiB blocks with FIRST/MIDDLE/LAST chunks like the SDK does.
"""

from __future__ import annotations

import json
import struct
import zlib

from curvelens.core.readers.wandb_log import BLOCK, MAGIC
from tests.core.tfevents_writer import field, varint


def history(row: dict[str, object], nested: dict[str, object] | None = None) -> bytes:
    """A Record holding a HistoryRecord with one item per key (``nested`` via nested_key)."""
    items = b"".join(
        field(1, 2, field(1, 2, key.encode()) + field(16, 2, json.dumps(value).encode()))
        for key, value in row.items()
    )
    for key, value in (nested or {}).items():
        parts = b"".join(field(2, 2, part.encode()) for part in key.split("."))
        items += field(1, 2, parts + field(16, 2, json.dumps(value).encode()))
    return field(1, 0, varint(1)) + field(2, 2, items)


def run(start_seconds: int, name: str = "") -> bytes:
    """A Record holding a RunRecord with a display name and a start time."""
    body = field(1, 2, b"abc123") + field(17, 2, field(1, 0, varint(start_seconds)))
    if name:
        body += field(8, 2, name.encode())
    return field(17, 2, body)


def exit_record(code: int) -> bytes:
    """A Record holding a RunExitRecord."""
    return field(18, 2, field(1, 0, varint(code)) + field(2, 0, varint(5)))


def frame(records: list[bytes]) -> bytes:
    """The file bytes: header, then records chunked into 32 KiB blocks."""
    out = bytearray(MAGIC)
    for payload in records:
        first = True
        while True:
            room = BLOCK - len(out) % BLOCK
            if room < 7:
                out += b"\x00" * room
                continue
            chunk, payload = payload[: room - 7], payload[room - 7 :]
            kind = (1 if first else 4) if not payload else (2 if first else 3)
            crc = zlib.crc32(chunk, zlib.crc32(bytes((kind,))))
            out += struct.pack("<IHB", crc, len(chunk), kind) + chunk
            first = False
            if not payload:
                break
    return bytes(out)
