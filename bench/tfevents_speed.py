"""Event-file reading speed: curvelens against tbparse and tensorboard (``make bench``).

One file of 1,000,000 scalars (100,000 steps x 10 tags, one scalar per event as torch's
``SummaryWriter.add_scalar`` writes them) is written once; then, each timed on the whole
file: curvelens' reader (every checksum verified, points de-duplicated), the protobuf
package's own ``Event`` decoder over the same records (what curvelens could use instead),
tensorboard's ``EventAccumulator`` (size_guidance 0: every point) and tbparse's
``SummaryReader``. The comparisons need the ``bench`` extra (``pip install -e '.[bench]'``)
and are skipped without it. TensorBoard's Rust data server has no library API: not timed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curvelens.core.readers.tensorboard import TensorBoardReader
from tests.core.tfevents_writer import event, record, simple_value


def write_file(folder: Path, steps: int, tags: int) -> Path:
    """The benchmark file: ``steps`` x ``tags`` scalars, one per event."""
    names = [f"train/metric_{i}" for i in range(tags)]
    chunks = [record(event(0, 1.7e9))]
    for step in range(steps):
        for i, name in enumerate(names):
            value = simple_value(name, step * 0.001 + i)
            chunks.append(record(event(step, 1.7e9 + step, [value])))
    path = folder / "events.out.tfevents.1700000000.bench"
    path.write_bytes(b"".join(chunks))
    return path


def curvelens_read(path: Path) -> int:
    return TensorBoardReader().read(path.parent).points.height


def protobuf_read(path: Path) -> int:
    from tensorboard.compat.proto import event_pb2

    data, pos, count = path.read_bytes(), 0, 0
    decode = event_pb2.Event.FromString
    while pos + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        decoded = decode(data[pos + 12 : pos + 12 + length])
        count += sum(1 for v in decoded.summary.value if v.HasField("simple_value"))
        pos += 16 + length
    return count


def accumulator_read(path: Path) -> int:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(path.parent), size_guidance={"scalars": 0})
    acc.Reload()
    return sum(len(acc.Scalars(tag)) for tag in acc.Tags()["scalars"])


def tbparse_read(path: Path) -> int:
    from tbparse import SummaryReader

    return len(SummaryReader(str(path.parent)).scalars)


def _time(read: Callable[[Path], int], path: Path, repeats: int) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        count = read(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_file(Path(tmp), args.steps, 10)
        cases = [
            ("curvelens", curvelens_read, args.repeats),
            ("protobuf Event decoder", protobuf_read, 1),
            ("tensorboard EventAccumulator", accumulator_read, 1),
            ("tbparse SummaryReader", tbparse_read, 1),
        ]
        base: float | None = None
        print(f"event file: {args.steps * 10:,} scalars, load {os.getloadavg()[0]:.1f}")
        for name, read, repeats in cases:
            try:
                seconds, count = _time(read, path, repeats)
            except ImportError as exc:
                print(f"{name:30} skipped ({exc.name} not installed: the bench extra)")
                continue
            base = seconds if base is None else base
            print(f"{name:30} {seconds:7.2f} s  {count:,} points  {seconds / base:5.1f}x")


if __name__ == "__main__":
    main()
