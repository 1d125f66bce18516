# ruff: noqa: E402  (imports are placed after the clock starts on purpose: they are timed)
"""Bench: key-to-frame time of the plot with 5 and with 20 selected runs of 100,000 points
each (160x48; targets 50 ms and 100 ms), and start-up of the installed command in tmux
(demo root, 1,000 runs, one run of 20 metrics x 50k steps; cold and warm parse cache) to the
run names, their values, the first plotted frame and every run loaded. Prints tables and
the load average (the machine has 2 cores shared with the team: read the numbers with it).
Targets live here only, never in tests.

Run with `.venv/bin/python bench/tui_redraw.py` (tmux, if installed, times the real command).
"""

import asyncio
import os
import time

T0 = time.perf_counter()
import tempfile

TMP = tempfile.mkdtemp()
os.environ["CURVELENS_STATE_DIR"] = TMP + "/state"
os.environ["CURVELENS_CONFIG"] = TMP + "/none.toml"
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from textual import events

from curvelens.tui.app import make_app, tune_gc
from curvelens.tui.runs import RunEntry
from curvelens.tui.series import Series
from curvelens.tui.widgets.metric_plot import MetricPlot

KEYS = [
    ("s", "smoothing on (new EMAs)"),
    ("full_stop", "weight up (new EMAs)"),
    ("comma", "weight back (cached)"),
    ("right_square_bracket", "next metric (new EMAs)"),
    ("left_square_bracket", "previous metric (cached)"),
    ("s", "time-weighted EMA (new)"),
    ("s", "smoothing off"),
]
POINTS = 100_000
REPEATS = 3
TARGETS_MS = {5: 50.0, 20: 100.0}
"""Key-to-frame targets by number of plotted runs (issue 8)."""


def add_big_runs(app: object, runs: int, n: int = POINTS) -> None:
    """``runs`` runs with two metrics of ``n`` noisy points each, added to the catalog."""
    main = app.main  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    for i in range(runs):
        walk = {m: np.cumsum(rng.normal(size=n)) + rng.normal(size=n) * 5 for m in "ab"}
        step, wall = np.arange(float(n)), np.full(n, np.nan)
        run_id = f"big{i:02d}"
        series = {
            "train_loss": Series(step, walk["a"], wall),
            "train_perplexity": Series(step, walk["b"], wall),
        }
        main.catalog.store.add(run_id, series)
        main.catalog.entries[run_id] = RunEntry(
            run_id, run_id, run_id, "bench", "finished", loaded=True
        )


def select(app: object, count: int) -> None:
    """Plot the first ``count`` big runs."""
    main = app.main  # type: ignore[attr-defined]
    ids = tuple(f"big{i:02d}" for i in range(count))
    main.view = replace(main.view, selected=ids, metric="train_loss", touched=True)


async def key_to_frame(pilot: object, plot: MetricPlot, key: str) -> tuple[float, float]:
    """(ms from the key event until the first frame holding the new plot is written to the
    terminal, every other widget's repaint included; ms spent drawing the plot)."""
    app = pilot.app  # type: ignore[attr-defined]
    done = asyncio.Event()
    spent: list[float] = []
    draw, display = plot._draw, app._display

    def timed_draw(*args: object) -> object:
        start = time.perf_counter()
        result = draw(*args)  # type: ignore[arg-type]
        spent.append(time.perf_counter() - start)
        return result

    shown: list[float] = []

    def timed_display(*args: object) -> None:
        display(*args)
        if spent and not shown:
            shown.append(time.perf_counter())  # when the frame left, not when this
            done.set()  # coroutine next runs (the analysis may run first)

    plot._draw, app._display = timed_draw, timed_display  # type: ignore[method-assign]
    char = {"full_stop": ".", "comma": ",", "right_square_bracket": "]",
            "left_square_bracket": "["}.get(key, key)  # fmt: skip
    start = time.perf_counter()
    # straight to the driver: Pilot.press also waits for the process to look idle
    app._driver.send_message(events.Key(key, char if len(char) == 1 else None))
    await asyncio.wait_for(done.wait(), 10)
    total = shown[0] - start
    plot._draw, app._display = draw, display  # type: ignore[method-assign]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    return 1000 * total, 1000 * spent[0]


async def main() -> None:
    """Start-up and key-to-frame timings in one app."""
    from curvelens.core.demo import write_demo

    writing = time.perf_counter()
    write_demo(Path(TMP) / "demo")
    writing = time.perf_counter() - writing  # not part of the start-up
    app = make_app([TMP + "/demo"])
    async with app.run_test(size=(160, 48)) as pilot:
        mounted = time.perf_counter() - T0 - writing
        await app.workers.wait_for_complete()
        add_big_runs(app, max(TARGETS_MS))
        plot = app.main.query_one(MetricPlot)
        for count, target in TARGETS_MS.items():
            select(app, count)
            await app.workers.wait_for_complete()
            await pilot.pause()
            rows: dict[str, list[tuple[float, float]]] = {label: [] for _, label in KEYS}
            for _ in range(REPEATS):
                for key, label in KEYS:
                    rows[label].append(await key_to_frame(pilot, plot, key))
                app.main.catalog.store._smoothed.clear()
                app.main.catalog.store._memo.clear()
            print(
                f"key to frame on screen, {count} runs x {POINTS:,} points, 160x48 "
                f"(median of {REPEATS}; target {target:.0f} ms)"
            )
            for label, runs in rows.items():
                total = statistics.median(r[0] for r in runs)
                render = statistics.median(r[1] for r in runs)
                mark = "" if total <= target else "  (over target)"
                print(f"  {label:30s} {total:7.1f} ms   (plot drawn in {render:5.1f} ms){mark}")
            points = [len(t.x) for t in plot.spec.traces]
            print(f"  points per trace: max {max(points)} (plot {plot.size.width} cells wide)")
    print(f"in-process: app mounted {mounted:.2f} s after start (imports included)")


MARKS = {
    "listed": re.compile(r"run00000|rope_lr1e-3_seed2"),
    "values": re.compile(r"(run00000|rope_lr1e-3_seed2)\S*(\s+\S+){1,2}\s+-?\d"),
    "plotted": re.compile("[\u2801-\u28ff]"),
    "loaded": re.compile(r"\b(\d+)/\1 runs"),
}
"""What the screen shows at each moment timed: a run's name, its last value, braille dots of
the plot, every run loaded (``N/N runs``, nothing partial left)."""
STARTUP_TARGETS = {"listed": "< 0.6 s", "values": "list of 1,000 runs < 1 s", "plotted":
                   "20 x 50k: < 0.35 s", "loaded": "warm 1,000 runs < 0.5 s"}  # fmt: skip


def _tmux(*args: str) -> str:
    """Run tmux on the bench's own server; its output."""
    done = subprocess.run(["tmux", "-L", f"curvelens-bench-{os.getpid()}", *args],
                          capture_output=True, text=True)  # fmt: skip
    return done.stdout


def _startup(exe: Path, root: Path, cache: Path) -> dict[str, float]:
    """Seconds from launching the installed command in tmux to each of :data:`MARKS`."""
    env = (f"env -u COLUMNS -u LINES CURVELENS_STATE_DIR={TMP}/state2 CURVELENS_CONFIG={TMP}/x "
           f"CURVELENS_CACHE_DIR={cache}")  # fmt: skip
    name, seen = f"run-{time.monotonic_ns()}", {}
    start = time.perf_counter()
    _tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "48", f"{env} {exe} {root}")
    try:
        while time.perf_counter() - start < 60 and len(seen) < len(MARKS):
            screen = _tmux("capture-pane", "-p", "-t", name)
            now = time.perf_counter() - start
            for mark, pattern in MARKS.items():
                done = mark != "loaded" or (
                    "loading" not in screen and "other metrics" not in screen
                )
                if mark not in seen and done and pattern.search(screen):
                    seen[mark] = now
            time.sleep(0.01)
    finally:
        _tmux("kill-session", "-t", name)
    return seen


def command_startup(cases: dict[str, Path], rounds: int = 3) -> None:
    """Start-up of the installed command in tmux on each root: the first round with an
    empty parse cache (cold), the others warm."""
    exe = Path(sys.executable).with_name("curvelens")
    if not shutil.which("tmux") or not exe.exists():
        print("tmux or the installed command missing: command start-up not measured")
        return
    _tmux("new-session", "-d", "-s", "keeper", "sleep 3600")  # the server outlives each run
    print(f"installed command in tmux, 160x48, s from start (cold, then warm; load "
          f"{os.getloadavg()[0]:.1f})")  # fmt: skip
    try:
        for label, root in cases.items():
            cache = Path(tempfile.mkdtemp(dir=TMP))
            runs = [_startup(exe, root, cache) for _ in range(rounds)]
            print(f"  {label}")
            for mark, target in STARTUP_TARGETS.items():
                times = " / ".join(f"{r[mark]:.2f}" if mark in r else "-" for r in runs)
                print(f"    {mark:8s} {times}   (target: {target})")
    finally:
        _tmux("kill-server")


def startup_roots() -> dict[str, Path]:
    """The demo root, 1,000 runs x 2,000 steps x 10 metrics, one run of 20 metrics x 50k."""
    sys.path.insert(0, str(Path(__file__).parent))
    from run import write_runs

    many, wide = Path(TMP) / "many", Path(TMP) / "wide"
    write_runs(many, 1_000, steps=2_000, metrics=10)
    write_runs(wide, 1, steps=50_000, metrics=20)
    return {"demo (6 runs)": Path(TMP) / "demo", "1,000 runs": many, "1 run, 20 x 50k": wide}


if __name__ == "__main__":
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    tune_gc()  # as the installed command runs the app
    asyncio.run(main())
    command_startup(startup_roots())
    print(f"load average after: {os.getloadavg()[0]:.2f}")
