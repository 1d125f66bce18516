"""Binary logs for the adversarial corpus: TensorBoard event files and W&B ``.wandb`` logs,
good or damaged in one place, with the points that must survive the damage."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from curvelens.core.readers.wandb_log import BLOCK
from tests.core.tfevents_writer import event, record, simple_value
from tests.core.wandb_writer import frame, history, run

Series = dict[str, dict[float, float]]
EVENTS = "events.out.tfevents.1700000000.host"


def _events(series: Series) -> list[bytes]:
    """One event per (metric, step), file-version event first."""
    out = [event(0, 1_700_000_000.0)]
    for metric, values in series.items():
        out += [
            event(int(s), 1_700_000_000.0 + s, [simple_value(metric, v)]) for s, v in values.items()
        ]
    return out


def tfevents_run(folder: Path, series: Series) -> Path:
    """A good event file of ``series`` in ``folder``."""
    path = folder / EVENTS
    path.write_bytes(b"".join(record(payload) for payload in _events(series)))
    return path


def damaged_tfevents(folder: Path, kind: str) -> tuple[Path, Series]:
    """An event file of 20 steps with one record damaged: ``flip`` flips a bit of step 10's
    value, ``length`` gives step 10's record a huge length. Returns the path and the points
    every reader keeps (the records before the damage: what any reader can trust)."""
    values = {float(s): 0.25 + s / 64 for s in range(20)}
    records = [record(payload) for payload in _events({"loss": values})]
    bad = records[11]  # record 0 is the file version; step 10 is record 11
    if kind == "flip":
        records[11] = bad[:-6] + bytes([bad[-6] ^ 0x04]) + bad[-5:]
    else:
        records[11] = struct.pack("<Q", 2**40) + bad[8:]
    path = folder / EVENTS
    path.write_bytes(b"".join(records))
    return path, {"loss": {s: v for s, v in values.items() if s < 10}}


def damaged_wandb(folder: Path, kind: str) -> tuple[Path, Series]:
    """A ``.wandb`` log of 60 history rows over several 32 KiB blocks, damaged once in its
    second block: ``header`` (a chunk of unknown type), ``crc`` (a flipped data byte) or
    ``record`` (an intact chunk holding an undecodable record). Returns the path and the
    points that must survive (rows outside the damaged span)."""
    pad = "x" * 1500  # a text item: rows span block boundaries
    rows = [history({"_step": s, "loss": 0.5 + s / 128, "pad": pad}) for s in range(60)]
    records = [run(1_700_000_000, "damaged"), *rows]
    spans = list(_spans(records))
    data = bytearray(frame(records))
    values = {float(s): 0.5 + s / 128 for s in range(60)}
    if kind == "record":
        broken = [*records[:31], b"\x0f\xff\xff", *records[31:]]
        data = bytearray(frame(broken))
        kept = values
    else:
        target = next(i for i, (start, _) in enumerate(spans) if start > BLOCK + 4000)
        start, _ = spans[target]
        if kind == "header":
            data[start + 6] = 9  # the chunk type byte
        else:
            data[start + 20] ^= 0xFF
        next_block = (start // BLOCK + 1) * BLOCK
        kept = {
            float(i - 1): v
            for i, ((s, e), v) in enumerate(zip(spans, [0.0, *values.values()]))
            if i > 0 and (e <= start or s >= next_block)
        }
    name = folder.name.rsplit("-", 1)[-1]
    path = folder / f"run-{name}.wandb"
    path.write_bytes(bytes(data))
    (folder / "files").mkdir(exist_ok=True)
    return path, {"loss": kept}


def wandb_run(folder: Path, series: Series) -> Path:
    """A good ``.wandb`` log of ``series`` (one history row per step) in ``folder``."""
    steps = sorted({s for values in series.values() for s in values})
    rows = [
        history({"_step": int(s), **{m: v[s] for m, v in series.items() if s in v}}) for s in steps
    ]
    path = folder / f"run-{folder.name.rsplit('-', 1)[-1]}.wandb"
    path.write_bytes(frame([run(1_700_000_000, "good"), *rows]))
    (folder / "files").mkdir(exist_ok=True)
    return path


def _spans(records: list[bytes]) -> Iterator[tuple[int, int]]:
    """Byte ranges of each record in ``frame(records)`` (its first chunk header to its end),
    skipping block padding before a first chunk."""
    end = len(frame([]))
    for index in range(len(records)):
        start = end
        if BLOCK - start % BLOCK < 7:
            start += BLOCK - start % BLOCK
        end = len(frame(records[: index + 1]))
        yield start, end
