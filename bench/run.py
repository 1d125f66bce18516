"""``make bench``: curvelens beside the tools a user could pick instead, on the same data.

Every case runs in a fresh subprocess (``--case NAME``), so its peak memory (VmHWM, and
ru_maxrss of the command it starts) is its own; cases run in interleaved rounds (round 1:
every case, round 2: every case ...) and the table shows the median and the ratio to the
case's anchor, with the load average: the machine is shared, so the ratios are the figures
that count. Synthetic data is written once into a temporary folder; ``--scale 0.1`` shrinks
every size for a quick smoke run, ``--only TEXT`` runs the cases whose name holds TEXT.

Anchors (the ``bench`` extra, never runtime dependencies): tbparse and TensorBoard's
``EventAccumulator`` on a 1M-scalar event file; ``pandas.read_csv`` and
``polars.read_csv`` (eval columns typed) on a 1M-row sparse CSV, and polars ``scan_csv``
selecting the step and one metric of it (beside reading one metric); polars ``scan_csv`` over
the file list + ``unpivot`` to the long table on the 1,000-run root. ``summary`` cold (empty
parse cache) and warm (filled) are the installed command in a fresh process.
"""

from __future__ import annotations

import argparse
import gc
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
SPARSE_COLUMNS = ("train_loss", "lr", "grad_norm", "val_loss", "val_acc")
RUN_COUNTS = (10, 100, 1_000, 10_000)
POINT_COUNTS = (10_000, 100_000, 1_000_000, 10_000_000)


@dataclass(frozen=True)
class Case:
    """One timed piece of work and the case it is compared against."""

    run: Callable[[Path, float], object]
    """The work; a dict it returns holds figures of its own (printed under the table)."""
    anchor: str | None = None
    target: str = ""
    cold: bool = False
    """Empty the parse cache before each round."""
    imports: tuple[str, ...] = ("curvelens.core.loading", "curvelens.core.discovery")
    """Imported before the clock starts."""
    setup: Callable[[float], None] | None = None
    """Run before the clock starts (builds in-memory inputs)."""


def _n(count: int, scale: float) -> int:
    """A size at a scale, at least 2."""
    return max(2, round(count * scale))


def write_runs(root: Path, runs: int, steps: int, metrics: int, seed: int = 0) -> None:
    """``runs`` reference-layout run folders with ``steps`` rows of ``metrics`` columns."""
    rng = np.random.default_rng(seed)
    step = np.arange(1, steps + 1)
    for i in range(runs):
        folder = root / f"run{i:05d}_20250101_000000"
        (folder / "logs").mkdir(parents=True)
        (folder / "config.json").write_text(json.dumps({"seed": i % 5, "lr": 1e-3}))
        columns: dict[str, np.ndarray] = {"step": step, "epoch": step // 500 + 1}
        for m in range(metrics):
            columns[f"metric{m}"] = np.exp(-step / 500) + rng.normal(0, 0.01, steps)
        pl.DataFrame(columns).write_csv(folder / "logs" / "metrics.csv", float_precision=6)
    _settle(root)


def write_sparse_csv(path: Path, rows: int) -> None:
    """A Lightning-style sparse log: train columns every row, eval columns every 100th row
    from the second half on (late columns a type guess on the first rows misses)."""
    rng = np.random.default_rng(1)
    step = np.arange(rows)
    late = (step % 100 == 0) & (step >= rows // 2)
    columns = {
        "step": step,
        "train_loss": np.exp(-step / rows) + rng.normal(0, 0.01, rows),
        "lr": np.full(rows, 3e-4) * (1 - step / rows),
        "grad_norm": rng.gamma(2.0, 1.0, rows),
        "val_loss": np.where(late, np.exp(-step / rows), np.nan),
        "val_acc": np.where(late, 1 - np.exp(-step / rows), np.nan),
    }
    frame = pl.DataFrame(columns).with_columns(pl.col("val_loss", "val_acc").fill_nan(None))
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, float_precision=6)
    _settle(path.parent)


def write_long_run(folder: Path, points: int) -> None:
    """One run of ``points`` points (two dense metrics)."""
    rows = points // 2
    step = np.arange(rows)
    rng = np.random.default_rng(2)
    frame = pl.DataFrame({"step": step, "loss": rng.normal(size=rows), "acc": rng.random(rows)})
    folder.mkdir(parents=True)
    frame.write_csv(folder / "metrics.csv", float_precision=6)
    _settle(folder)


def write_events(folder: Path, scalars: int) -> None:
    """A TensorBoard event file of ``scalars`` scalars (two tags), written by the test encoder."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.core.tfevents_writer import event, record, simple_value

    folder.mkdir(parents=True)
    with (folder / "events.out.tfevents.1700000000.bench").open("wb") as handle:
        handle.write(record(event(0, 1.7e9)))
        for step in range(scalars // 2):
            values = [simple_value("loss", 1.0 / (step + 1)), simple_value("acc", step % 7 / 7)]
            handle.write(record(event(step, 1.7e9 + step, values)))
    _settle(folder)


def _settle(root: Path) -> None:
    """Date every file under ``root`` a minute back: a finished run, cacheable."""
    stamp = time.time() - 60
    for path in [root, *root.rglob("*")]:
        os.utime(path, (stamp, stamp))


def prepare(data: Path, scale: float) -> None:
    """Write every root the cases read."""
    write_runs(data / "root", _n(1_000, scale), steps=2_000, metrics=10)
    write_sparse_csv(data / "sparse" / "metrics.csv", _n(1_000_000, scale))
    for count in RUN_COUNTS:
        write_runs(data / f"runs{count}", _n(count, scale), steps=100, metrics=9)  # + epoch
    for count in POINT_COUNTS:
        write_long_run(data / f"points{count}", _n(count, scale))
    write_events(data / "events", _n(1_000_000, scale))


def _load(folder: Path) -> int:
    """Discover and load ``folder`` uncached; the number of points."""
    from curvelens.core.discovery import discover
    from curvelens.core.loading import load_runs

    runs = load_runs(discover([folder]).runs, cache=False)
    assert runs and all(run.error is None for run in runs), runs[:1]
    return sum(run.points.height for run in runs)


def _summary(root: Path) -> None:
    """`curvelens summary --format json` as a user runs it (a fresh process)."""
    cmd = [*CURVELENS, "summary", str(root), "--format", "json"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def _pandas_csv(data: Path, scale: float) -> None:
    """pandas' default read of the sparse CSV."""
    import pandas as pd

    pd.read_csv(data / "sparse" / "metrics.csv")


def _polars_csv(data: Path, scale: float) -> None:
    """polars with every column typed (its default guess loses the late eval columns)."""
    schema = {"step": pl.Int64, **dict.fromkeys(SPARSE_COLUMNS, pl.Float64)}
    pl.read_csv(data / "sparse" / "metrics.csv", schema=schema)


def _polars_select(data: Path, scale: float) -> None:
    """polars ``scan_csv`` of the sparse CSV, the step and one metric only."""
    frame = pl.scan_csv(data / "sparse" / "metrics.csv").select("step", "train_loss").collect()
    assert frame.height == _n(1_000_000, scale)


def _one_metric(data: Path, scale: float) -> None:
    """Discover the sparse CSV run and read one metric of it (``Reader.read_metrics``)."""
    from curvelens.core.discovery import discover
    from curvelens.core.readers import get_reader

    (ref,) = discover([data / "sparse"]).runs
    result = get_reader(ref.format).read_metrics(ref.path, frozenset({"train_loss"}))
    assert result.points.height == _n(1_000_000, scale)


def _polars_root(data: Path, scale: float) -> None:
    """polars ``scan_csv`` over the run logs, unpivoted to one long table."""
    files = sorted((data / "root").glob("*/logs/metrics.csv"))
    frames = [pl.scan_csv(f).with_columns(pl.lit(f.parent.parent.name).alias("run")) for f in files]
    long = pl.concat(frames).unpivot(index=["run", "step"], variable_name="metric")
    long.drop_nulls("value").collect()


def _tbparse(data: Path, scale: float) -> None:
    """tbparse's scalar frame of the event file."""
    from tbparse import SummaryReader

    assert len(SummaryReader(str(data / "events")).scalars) >= 2


def _event_accumulator(data: Path, scale: float) -> None:
    """TensorBoard's EventAccumulator keeping every scalar."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(data / "events"), size_guidance={"scalars": 0})
    accumulator.Reload()
    assert all(accumulator.Scalars(tag) for tag in accumulator.Tags()["scalars"])


def _discover(data: Path, scale: float) -> None:
    """Discovery of 10,000 run folders (listing only, nothing read)."""
    from curvelens.core.discovery import discover

    assert len(discover([data / "runs10000"]).runs) == _n(10_000, scale)


_FRAMES: dict[str, pl.DataFrame] = {}


def _twenty_runs(scale: float) -> None:
    """A RUN_POINTS frame of 20 runs x 100k points of one metric, for ``_summarize``."""
    points = _n(100_000, scale)
    _FRAMES["points"] = pl.DataFrame(
        {
            "run": np.repeat([f"r{i}" for i in range(20)], points),
            "metric": "loss",
            "step": np.tile(np.arange(points, dtype=np.float64), 20),
            "value": np.random.default_rng(0).normal(size=20 * points),
            "wall_time": np.full(20 * points, np.nan),
        }
    ).with_columns(pl.col("wall_time").fill_nan(None))


def _summarize(data: Path, scale: float) -> None:
    """summarize() of the 20 x 100k frame."""
    from curvelens.core.analysis.summary import summarize

    summarize(_FRAMES["points"])


def _memory(data: Path, scale: float) -> dict[str, float]:
    """The 1,000-run root parsed (no cache) and stacked: bytes a point resident, by
    ``estimated_size`` and by the RSS each step added (runs, then the stacked frame)."""
    from curvelens.core.discovery import discover
    from curvelens.core.loading import load_runs, stack_points

    refs = discover([data / "root"]).runs
    before = _rss_kb()
    runs = load_runs(refs, cache=False)
    points = sum(run.points.height for run in runs)
    held = sum(run.points.estimated_size() for run in runs)
    loaded = _rss_kb()
    stacked = stack_points(runs)
    stacked_rss = _rss_kb()
    return {
        "points": points,
        "runs, B/point (estimated_size)": held / points,
        "runs, B/point (RSS added)": (loaded - before) * 1024 / points,
        "stacked, B/point (estimated_size)": stacked.estimated_size() / points,
        "stacked, B/point (RSS added on top)": (stacked_rss - loaded) * 1024 / points,
    }


def _rss_kb() -> int:
    """This process's resident memory (kB) once it stops falling: after a garbage collection
    and the allocator's return of freed pages (jemalloc gives them back after a delay)."""
    gc.collect()
    now = _vm_rss_kb()
    for _ in range(20):
        time.sleep(0.5)
        before, now = now, _vm_rss_kb()
        if now > before * 0.99:
            break
    return now


def _vm_rss_kb() -> int:
    """VmRSS of this process (kB)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])


def _bootstrap(data: Path, scale: float) -> None:
    """BCa bootstrap interval of an IQM difference: 10,000 resamples, 2 groups x 10 runs."""
    from curvelens.core.comparison.resampled import iqm_diff_interval

    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 0.1, 10), rng.normal(0.9, 0.1, 10)
    iqm_diff_interval(a, b, rng, _n(10_000, scale), 0.95)


CASES: dict[str, Case] = {
    "discovery of 10,000 run folders": Case(_discover, target="< 0.5 s"),
    "summarize 20 runs x 100k points": Case(
        _summarize,
        target="< 50 ms",
        imports=("curvelens.core.analysis.summary",),
        setup=_twenty_runs,
    ),
    "bootstrap 10k resamples, 2 x 10 runs": Case(
        _bootstrap, target="< 1 s", imports=("curvelens.core.comparison.resampled",)
    ),
    "events 1M scalars: tbparse": Case(_tbparse, imports=("tbparse",)),
    "events 1M scalars: TensorBoard EventAccumulator": Case(
        _event_accumulator, imports=("tensorboard.backend.event_processing.event_accumulator",)
    ),
    "events 1M scalars: curvelens": Case(
        lambda d, s: _load(d / "events"), "events 1M scalars: tbparse", "<= 0.05x (20x)"
    ),
    "CSV 1M rows: pandas.read_csv": Case(_pandas_csv, imports=("pandas",)),
    "CSV 1M rows: polars.read_csv, typed": Case(_polars_csv, imports=()),
    "CSV 1M rows: curvelens, all metrics": Case(
        lambda d, s: _load(d / "sparse"), "CSV 1M rows: pandas.read_csv", "<= 1.0x"
    ),
    "CSV 1M rows: polars scan_csv select": Case(_polars_select, imports=()),
    "CSV 1M rows: curvelens, one metric": Case(
        _one_metric,
        "CSV 1M rows: polars scan_csv select",
        "< 0.35 s",
        imports=("curvelens.core.discovery", "curvelens.core.readers"),
    ),
    "1,000 runs: polars scan_csv + unpivot": Case(_polars_root, imports=()),
    "1,000 runs: summary, cold": Case(
        lambda d, s: _summary(d / "root"), "1,000 runs: polars scan_csv + unpivot", "<= 1.5x", True
    ),
    "1,000 runs: summary, warm": Case(
        lambda d, s: _summary(d / "root"), "1,000 runs: polars scan_csv + unpivot", "<= 0.35x"
    ),
    "1,000 runs: memory of 22M loaded points and their stacked frame": Case(
        _memory, target="<= 24 B/point, peak < 1 GiB"
    ),
    **{
        f"load {count:,} runs x 1,000 points": Case(lambda d, s, c=count: _load(d / f"runs{c}"))
        for count in RUN_COUNTS
    },
    **{
        f"load 1 run of {count:,} points": Case(lambda d, s, c=count: _load(d / f"points{c}"))
        for count in POINT_COUNTS
    },
}


def run_case(name: str, data: Path, scale: float) -> dict[str, float]:
    """Do one case once in this process: seconds and peak memory (MB, children included)."""
    case = CASES[name]
    for module in case.imports:  # imports are start-up, not the case
        importlib.import_module(module)
    if case.setup is not None:
        case.setup(scale)
    start = time.perf_counter()
    done = case.run(data, scale)
    seconds = time.perf_counter() - start
    extra = done if isinstance(done, dict) else {}
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {**extra, "seconds": seconds, "peak_mb": max(_own_peak_kb(), kids) / 1024}


def _own_peak_kb() -> int:
    """This process's peak RSS in kB since its exec (ru_maxrss also counts the bench parent
    it was forked from)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1])


def _measure(name: str, data: Path, scale: float, cache: Path) -> dict[str, float]:
    """Run a case in a fresh subprocess (its own cache folder emptied first if cold)."""
    if CASES[name].cold:
        shutil.rmtree(cache, ignore_errors=True)
    cmd = [sys.executable, __file__, "--case", name, "--data", str(data), "--scale", str(scale)]
    env = {**os.environ, "CURVELENS_CACHE_DIR": str(cache)}
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


def _table(rows: list[list[str]]) -> str:
    """A Markdown table, first row the header."""
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("---" for _ in rows[0]) + "|")
    return "\n".join(lines)


def _rows(results: dict[str, list[dict[str, float]]]) -> list[list[str]]:
    """Median seconds, peak memory and the ratio to the anchor, one row per case."""
    medians = {
        name: statistics.median(r["seconds"] for r in runs) for name, runs in results.items()
    }
    rows = [["case", "median", "peak RSS", "vs anchor", "target"]]
    for name, runs in results.items():
        case = CASES[name]
        ratio = f"{medians[name] / medians[case.anchor]:.2f}x" if case.anchor else ""
        peak = statistics.median(r["peak_mb"] for r in runs)
        rows.append([name, f"{medians[name]:.3f} s", f"{peak:,.0f} MB", ratio, case.target])
    return rows


def _extras(results: dict[str, list[dict[str, float]]]) -> list[str]:
    """Median of each figure a case returned besides its time and peak, one line each."""
    lines = []
    for name, runs in results.items():
        for key in runs[0]:
            if key not in ("seconds", "peak_mb"):
                value = statistics.median(r[key] for r in runs)
                lines.append(f"- {name}: {key} {value:,.1f}")
    return lines


def main() -> None:
    """Prepare data, run the cases in interleaved rounds, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", help="Only cases whose name contains this text.")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.data, args.scale)))
        return
    data = Path(tempfile.mkdtemp(prefix="curvelens-bench-"))
    try:
        start = time.perf_counter()
        prepare(data, args.scale)
        print(f"synthetic data written in {time.perf_counter() - start:.0f} s (scale {args.scale})")
        names = [name for name in CASES if not args.only or args.only in name]
        results: dict[str, list[dict[str, float]]] = {name: [] for name in names}
        loads = [os.getloadavg()[0]]
        for _ in range(args.rounds):
            for name in names:
                results[name].append(_measure(name, data, args.scale, data / "cache"))
            loads.append(os.getloadavg()[0])
        print(_table(_rows(results)))
        print("\n".join(_extras(results)))
        print(
            f"\n{args.rounds} interleaved rounds; 1-minute load average "
            + " ".join(f"{x:.1f}" for x in loads)
        )
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
