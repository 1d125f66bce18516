# ruff: noqa: E402, E501  (imports are placed after the clock starts on purpose: they are timed)
"""Bench: app start-up to a mounted frame, and redraw cost with 5 runs x 100k points.

Prints a table; run with `.venv/bin/python bench/tui_redraw.py`."""

import asyncio
import os
import time

T0 = time.perf_counter()
import tempfile

TMP = tempfile.mkdtemp()
os.environ["CURVELENS_STATE_DIR"] = TMP + "/state"
os.environ["CURVELENS_CONFIG"] = TMP + "/none.toml"
import numpy as np

from curvelens.tui.app import make_app
from curvelens.tui.series import Series


async def main():
    from pathlib import Path

    from curvelens.core.demo import write_demo

    write_demo(Path(TMP) / "demo")
    app = make_app([TMP + "/demo"])
    async with app.run_test(size=(160, 48)) as pilot:
        first = time.perf_counter() - T0
        await app.workers.wait_for_complete()
        await pilot.pause()
        listed = time.perf_counter() - T0
        # 5 runs x 100k points
        n = 100_000
        rng = np.random.default_rng(0)
        ids = []
        for i in range(5):
            rid = f"big{i}"
            ids.append(rid)
            app.main.store.add(
                rid,
                {
                    "train_loss": Series(
                        np.arange(float(n)), np.cumsum(rng.normal(size=n)), np.full(n, np.nan)
                    )
                },
            )
        from curvelens.tui.runlist import RunEntry

        for rid in ids:
            app.main.entries[rid] = RunEntry(rid, rid, "finished", None, None, 0)
        app.main.selected = ids
        app.main._values = {}
        app.main.redraw()
        await pilot.pause()
        plot = app.main.query_one("#plot")
        for key, label in [
            ("s", "smoothing on"),
            ("full_stop", "weight up (new EMA)"),
            ("comma", "weight back (cached)"),
            ("right_square_bracket", "metric change"),
        ]:
            t = time.perf_counter()
            await pilot.press(key)
            t1 = time.perf_counter()
            plot.render()  # include the plotext build
            t2 = time.perf_counter()
            app.main.redraw()
            t3 = time.perf_counter()
            print(
                f"{label:28s} press {1000 * (t1 - t):7.1f} ms  plotext build {1000 * (t2 - t1):6.1f} ms  redraw (cached) {1000 * (t3 - t2):6.1f}"
            )
    print(f"app mounted (imports included): {first:.2f} s; runs listed: {listed:.2f} s")


asyncio.run(main())
