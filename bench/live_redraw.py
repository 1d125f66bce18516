"""Bench: live runs in the app (``make bench``; not a test).

- poll to frame: with 20 runs x 100,000 points plotted, a poll that brings 100 new points
  to one run, from the message reaching the screen to the frame on the terminal (target
  50 ms; the poll itself runs in a worker).
- write to screen: the installed command in tmux on one run; a row appended, until its
  step is on screen (target: median under the poll interval, 2 s, + 0.5 s).
"""

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import numpy as np
import polars as pl
from tui_redraw import TMP, add_big_runs, select  # the 20 x 100k runs of the redraw bench

from curvelens.core.live.session import PollReport
from curvelens.core.schema import RunData, RunRef
from curvelens.tui import messages as msg
from curvelens.tui.app import make_app, tune_gc
from curvelens.tui.series import split_points
from curvelens.tui.widgets.metric_plot import MetricPlot

RUNS, POINTS, NEW, REPEATS = 20, 100_000, 100, 5


def _update(step0: int) -> msg.RunsUpdated:
    """big00 with ``NEW`` more points of train_loss after ``step0``."""
    steps = np.arange(float(step0 + NEW))
    points = pl.DataFrame(
        {"metric": "train_loss", "step": steps, "value": np.sin(steps), "wall_time": None},
        schema={
            "metric": pl.String,
            "step": pl.Float64,
            "value": pl.Float64,
            "wall_time": pl.Float64,
        },
    )
    run = RunData(ref=RunRef("big00", "big00", Path("big00"), "bench"), points=points)
    report = PollReport(at=datetime.now(timezone.utc), seconds=0.0, changed=1,
                        points=NEW, new=0, gone=0)  # fmt: skip
    return msg.RunsUpdated([(run, split_points(points))], (), report)


async def poll_to_frame() -> list[float]:
    """ms from a RunsUpdated message to the frame with the new plot on the terminal."""
    app = make_app([TMP + "/empty"])
    os.makedirs(TMP + "/empty", exist_ok=True)
    times = []
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        add_big_runs(app, RUNS)
        select(app, RUNS)
        await app.workers.wait_for_complete()
        await pilot.pause()
        plot = app.main.query_one(MetricPlot)
        for i in range(REPEATS):
            while app.main.comparer.busy:  # a steady state: the last comparison is done
                await asyncio.sleep(0.05)
            done = asyncio.Event()
            display, draw = app._display, plot._draw
            drawn: list[bool] = []
            shown: list[float] = []

            def timed_draw(*args: object, _draw=draw, _drawn=drawn) -> object:
                _drawn.append(True)
                return _draw(*args)

            def timed_display(*args: object, _display=display, _done=done, _drawn=drawn,
                              _shown=shown) -> None:  # fmt: skip
                _display(*args)
                if _drawn and not _shown:
                    _shown.append(time.perf_counter())  # when the frame left, not when
                    _done.set()  # this coroutine next runs

            plot._draw, app._display = timed_draw, timed_display
            message = _update(POINTS + i * NEW)
            start = time.perf_counter()
            app.main.post_message(message)
            await asyncio.wait_for(done.wait(), 10)
            times.append(1000 * (shown[0] - start))
            plot._draw, app._display = draw, display
            await app.workers.wait_for_complete()
            await pilot.pause()
    return times


def write_to_screen() -> list[float]:
    """Seconds from a row appended to its step on the tmux screen, per repeat."""
    exe = Path(sys.executable).with_name("curvelens")
    if not shutil.which("tmux") or not exe.exists():
        return []
    log = Path(TMP) / "live" / "live_20250301_090000" / "logs" / "metrics.csv"
    log.parent.mkdir(parents=True)
    log.write_text("step,train_loss\n" + "".join(f"{s},{1 / s}\n" for s in range(1, 11)))
    name = f"curvelens-live-bench-{os.getpid()}"
    env = f"env -u COLUMNS -u LINES CURVELENS_STATE_DIR={TMP}/s3 CURVELENS_CONFIG={TMP}/x"
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "160", "-y", "48",
                    f"{env} {exe} {log.parents[2]}"], check=True)  # fmt: skip
    times = []
    try:
        time.sleep(3)
        for i in range(REPEATS):
            step = 1000 + 111 * i
            start = time.perf_counter()
            with log.open("a") as handle:
                handle.write(f"{step},0.5\n")
            while time.perf_counter() - start < 15:
                screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", name],
                                        capture_output=True, text=True).stdout  # fmt: skip
                if f" {step}" in screen:
                    times.append(time.perf_counter() - start)
                    break
                time.sleep(0.02)
            time.sleep(0.7)  # a moment between rows, as a training loop has
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    return times


if __name__ == "__main__":
    print(f"live in the app (load {os.getloadavg()[0]:.1f})")
    tune_gc()  # as the installed command runs the app
    frames = asyncio.run(poll_to_frame())
    print(f"  poll to frame, {RUNS} runs x {POINTS:,} points, +{NEW} points to one: "
          f"median {statistics.median(frames):.1f} ms (target 50 ms)")  # fmt: skip
    seen = write_to_screen()
    if seen:
        print(f"  row written to its step on screen (tmux): median {statistics.median(seen):.2f} s"
              f" of {len(seen)} (target 2.5 s: interval 2 s + 0.5 s)")  # fmt: skip
