"""Benchmarks of live polling (``make bench``; not a test), printed as medians.

- ``poll, 1,000 unchanged runs``: CPU time of one :meth:`Poller.poll` over 1,000
  reference-layout runs none of which changed (target < 50 ms: one ``stat`` per file).
- ``poll, 1 of 1,000 runs appended``: one run got 100 rows since the last poll.
- ``apply, 100 points into a 100k-point run``: :func:`apply_poll` merging them.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from curvelens.core.discovery import discover
from curvelens.core.live.apply import apply_poll
from curvelens.core.live.poller import Poller, PollResult, RunChange
from curvelens.core.loading import load_runs
from curvelens.core.schema import RunData, RunRef

RUNS = 1_000
REPEATS = 20


def _write(root: Path) -> Path:
    """1,000 reference-layout runs of 200 rows; the path of the first one's log."""
    rows = "".join(f"{s},{np.exp(-s / 50):.6f},{s * 1e-4:.6f}\n" for s in range(200))
    for index in range(RUNS):
        logs = root / f"run{index:04d}_20250101_000000" / "logs"
        logs.mkdir(parents=True)
        (logs.parent / "config.json").write_text('{"lr": 0.001}')
        (logs / "metrics.csv").write_text("step,train_loss,learning_rate\n" + rows)
    return root / "run0000_20250101_000000" / "logs" / "metrics.csv"


def _cpu(work: Callable[[], object]) -> list[float]:
    """CPU seconds of ``work`` over :data:`REPEATS` calls."""
    times = []
    for _ in range(REPEATS):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return times


def _merge_case() -> list[float]:
    """apply_poll of 100 appended points into a run of 100k points."""
    steps = np.arange(100_000, dtype=np.float64)
    points = pl.DataFrame(
        {
            "metric": ["loss"] * 100_000,
            "step": steps,
            "value": steps,
            "wall_time": [None] * 100_000,
        },
        schema={
            "metric": pl.String,
            "step": pl.Float64,
            "value": pl.Float64,
            "wall_time": pl.Float64,
        },
    )
    ref = RunRef("r", "r", Path("r"), "csv")
    runs = {"r": RunData(ref=ref, points=points, status="running")}
    new = points.tail(100).with_columns(pl.col("step") + 100_000)
    result = PollResult(changes=(RunChange(ref, appended=new),))
    return _cpu(lambda: apply_poll(runs, result))


def main() -> None:
    """Write the runs, measure each case, print the table."""
    with tempfile.TemporaryDirectory(prefix="curvelens-live-bench-") as folder:
        root = Path(folder)
        first = _write(root)
        poller = Poller([root], rediscover_every=1e9)
        refs = discover([root]).runs
        poller.watch(refs)
        runs = {run.ref.id: run for run in load_runs(refs)}
        unchanged = _cpu(poller.poll)

        def append_and_poll() -> None:
            with first.open("a") as handle:
                handle.write("".join(f"{s},0.1,0.0\n" for s in range(100)))
            runs.update(apply_poll(runs, poller.poll()))

        append_and_poll()  # the first change of a run re-reads it whole; later ones tail
        appended = _cpu(append_and_poll)
    rows = [
        ("poll, 1,000 unchanged runs", unchanged, "< 50 ms"),
        ("poll+apply, 1 of 1,000 runs appended 100 rows", appended, "-"),
        ("apply, 100 points into a 100k-point run", _merge_case(), "-"),
    ]
    print(f"live polling (CPU ms, median of {REPEATS}; load {os.getloadavg()[0]:.1f})")
    for name, times, target in rows:
        print(f"  {name:<48} {statistics.median(times) * 1e3:8.1f} ms   target {target}")


if __name__ == "__main__":
    main()
