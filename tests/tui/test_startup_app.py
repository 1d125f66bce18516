"""Nothing heavy on the app's way to its first frame: on a root with seed groups, the frame
listing the runs is drawn before scipy (the comparison engine's statistics) is imported; the
comparison follows once every run is loaded, in a worker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from curvelens.core.demo import write_demo

CODE = """
import asyncio, json, sys
from textual.app import App
from curvelens.tui.app import make_app

seen = {}
display = App._display


def watched(self, *args, **kwargs):
    display(self, *args, **kwargs)
    if self.main.catalog.entries and "listed" not in seen:
        seen["listed"] = sorted(sys.modules)


App._display = watched


async def main():
    app = make_app([sys.argv[1]])
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(400):
            await asyncio.sleep(0.025)
            if app.main.catalog.complete and app.main.comparer.result is not None:
                break
        seen["compared"] = app.main.comparer.result is not None
        seen["after"] = sorted(sys.modules)


asyncio.run(main())
print(json.dumps(seen))
"""


def test_first_frame_listing_runs_imports_no_scipy(tmp_path: Path) -> None:
    write_demo(tmp_path / "demo")  # seed groups: the comparison has groups to test
    done = subprocess.run(
        [sys.executable, "-c", CODE, str(tmp_path / "demo")],
        capture_output=True, text=True, check=True, timeout=120,
        env={"CURVELENS_STATE_DIR": str(tmp_path / "s"), "CURVELENS_CONFIG": str(tmp_path / "c"),
             "CURVELENS_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    seen = json.loads(done.stdout.splitlines()[-1])
    heavy = {m.split(".")[0] for m in seen["listed"]} & {"scipy", "plotext", "pandas"}
    assert not heavy, f"imported before the first frame listing runs: {heavy}"
    assert "curvelens.core.comparison.builder" not in seen["listed"]
    assert seen["compared"] and "scipy.stats" in seen["after"]  # the comparison did run later
