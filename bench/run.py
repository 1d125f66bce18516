"""Benchmarks of the core paths, printed as a table of medians (``make bench``; not a test).

Each case is a small function run in its own subprocess (``--case NAME``) so its peak
memory (ru_maxrss, children included) is its own; the summary CLI case also starts a
fresh ``curvelens`` process per repeat (cold: imports included). Synthetic runs are
written once into a temporary folder; ``--scale 0.1`` shrinks every size for a quick smoke
run. The load average is printed with the table: the machine is shared, compare numbers
taken at similar load only.

Discovery is counted in run folders found per second of wall time: 10,000 reference-layout
folders (``<name>_<ts>/config.json``, ``logs/metrics.csv``, ``checkpoints/``) in one root.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

CURVELENS = [sys.executable, "-m", "curvelens"]
WARM_IMPORTS = (
    "curvelens.core.discovery",
    "curvelens.core.analysis.summary",
    "curvelens.core.analysis.bootstrap",
)


@dataclass(frozen=True)
class Case:
    """One benchmark: what it runs, how much work one run is, and the target."""

    run: Callable[[Path, float], None]
    """Does the work once, given the data folder and the scale."""
    work: Callable[[float], int]
    """Units of work per run (folders, points, resamples) at a scale."""
    unit: str
    target: str


def _write_runs(root: Path, runs: int, steps: int, metrics: int, seed: int = 0) -> None:
    """``runs`` reference-layout run folders with ``steps`` rows of ``metrics`` columns."""
    rng = np.random.default_rng(seed)
    step = np.arange(1, steps + 1)
    for i in range(runs):
        folder = root / f"run{i:05d}_20250101_000000"
        (folder / "logs").mkdir(parents=True)
        (folder / "checkpoints").mkdir()
        (folder / "checkpoints" / "last.pt").write_bytes(b"\0" * 64)
        (folder / "config.json").write_text(json.dumps({"seed": i % 5, "lr": 1e-3}))
        columns: dict[str, np.ndarray] = {"step": step, "epoch": step // 500 + 1}
        for m in range(metrics):
            columns[f"metric{m}"] = np.exp(-step / 500) + rng.normal(0, 0.01, steps)
        pl.DataFrame(columns).write_csv(folder / "logs" / "metrics.csv", float_precision=6)


def prepare(data: Path, scale: float) -> None:
    """Write the synthetic roots every case reads."""
    _write_runs(data / "many", _n(10_000, scale), steps=1, metrics=1)
    _write_runs(data / "big", _n(1_000, scale), steps=2_000, metrics=10)


def _n(count: int, scale: float) -> int:
    """A size at a scale, at least 2."""
    return max(2, round(count * scale))


def case_discovery(data: Path, scale: float) -> None:
    """Discover 10,000 run folders (listing only, nothing read); rate = run folders found / s."""
    from curvelens.core.discovery import discover

    found = discover([data / "many"])
    assert len(found.runs) == _n(10_000, scale), len(found.runs)


def case_summary_cli(data: Path, scale: float) -> None:
    """`curvelens summary` over 1,000 runs x 2,000 steps x 10 metrics, a fresh process."""
    cmd = [*CURVELENS, "summary", str(data / "big"), "--format", "json"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def case_summarize(data: Path, scale: float) -> None:
    """summarize() of 20 runs x 100k points, one metric each (frame built outside timing)."""
    from curvelens.core.analysis.summary import summarize

    summarize(_BIG_POINTS)


def case_bootstrap(data: Path, scale: float) -> None:
    """Stratified bootstrap of an IQM difference: 10,000 resamples, 2 groups x 10 runs."""
    from curvelens.core.analysis.bootstrap import iqm_rows, percentile_interval
    from curvelens.core.analysis.bootstrap import stratified_bootstrap as boot

    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 0.1, 10), rng.normal(0.9, 0.1, 10)
    dist = boot(a, b, lambda x, y: iqm_rows(y) - iqm_rows(x), rng, _n(10_000, scale))
    percentile_interval(dist)


def _points(runs: int, points: int) -> pl.DataFrame:
    """A RUN_POINTS frame of ``runs`` runs with ``points`` points of one metric each."""
    rng = np.random.default_rng(0)
    return pl.DataFrame(
        {
            "run": np.repeat([f"r{i}" for i in range(runs)], points),
            "metric": "loss",
            "step": np.tile(np.arange(points, dtype=np.float64), runs),
            "value": rng.normal(size=runs * points),
            "wall_time": None,
        },
        schema={
            "run": pl.String,
            "metric": pl.String,
            "step": pl.Float64,
            "value": pl.Float64,
            "wall_time": pl.Float64,
        },
    )


_BIG_POINTS = pl.DataFrame()

CASES: dict[str, Case] = {
    "discovery 10k folders": Case(
        case_discovery, lambda s: _n(10_000, s), "folders/s", ">= 20,000 folders/s"
    ),
    "summary CLI 1000x2000x10": Case(
        case_summary_cli, lambda s: _n(1_000, s) * 2_000 * 10, "points/s", "< 3 s"
    ),
    "summarize 20 x 100k": Case(
        case_summarize, lambda s: 20 * _n(100_000, s), "points/s", "< 50 ms"
    ),
    "bootstrap 10k, 2x10 runs": Case(
        case_bootstrap, lambda s: _n(10_000, s), "resamples/s", "< 1 s"
    ),
    # App timings (first frame, redraw) go here: add a Case whose ``run`` starts the app
    # headless on ``data / "big"`` (App.run_test) and returns once the frame is drawn.
}


def run_case(name: str, data: Path, scale: float, repeats: int) -> dict[str, object]:
    """Run one case ``repeats`` times in this process; times and peak memory as JSON."""
    global _BIG_POINTS
    if name.startswith("summarize"):
        _BIG_POINTS = _points(20, _n(100_000, scale))
    for module in WARM_IMPORTS:  # import cost is start-up, not the case
        importlib.import_module(module)
    case = CASES[name]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        case.run(data, scale)
        times.append(time.perf_counter() - start)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"times": times, "maxrss_kb": max(own, kids)}


def _measure(name: str, data: Path, scale: float, repeats: int) -> dict[str, object]:
    """Run a case in a fresh subprocess and return its JSON result."""
    cmd = [sys.executable, __file__, "--case", name, "--data", str(data)]
    cmd += ["--scale", str(scale), "--repeats", str(repeats)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def _table(rows: list[list[str]]) -> str:
    """Aligned text table, first row the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def main() -> None:
    """Prepare data, run every case in a subprocess, print the table of medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.data, args.scale, args.repeats)))
        return
    data = Path(tempfile.mkdtemp(prefix="curvelens-bench-"))
    try:
        start = time.perf_counter()
        prepare(data, args.scale)
        print(f"synthetic data written in {time.perf_counter() - start:.1f} s (scale {args.scale})")
        print(
            "load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(
                *os.getloadavg()
            )
        )
        rows = [["case", "median", "min", "rate", "peak RSS", "target"]]
        for name, case in CASES.items():
            repeats = 3 if "CLI" in name else args.repeats
            result = _measure(name, data, args.scale, repeats)
            times = [float(t) for t in result["times"]]  # type: ignore[attr-defined]
            med = statistics.median(times)
            rate = f"{case.work(args.scale) / med:,.0f} {case.unit}"
            rss = f"{int(result['maxrss_kb']) / 1024:.0f} MB"  # type: ignore[call-overload]
            rows.append([name, f"{med:.3f} s", f"{min(times):.3f} s", rate, rss, case.target])
        print(_table(rows))
        print(
            "load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        )
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
