"""Snapshot tests of the app on the demo runs (fixed clock, mtimes and time zone)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from curvelens.tui.app import make_app

from .conftest import FIXED_NOW


async def _loaded(pilot: Any) -> None:
    """Wait until every run is loaded and drawn."""
    await pilot.app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_main_screen(snap_compare: Any, demo_root: Path, size: tuple[int, int]) -> None:
    app = make_app([str(demo_root)], clock=lambda: FIXED_NOW)
    assert snap_compare(app, terminal_size=size, run_before=_loaded)


def test_light_theme_smoothed_and_zoomed(
    snap_compare: Any, demo_root: Path, tmp_path: Path
) -> None:
    (tmp_path / "config.toml").write_text('theme = "textual-light"\nsmoothing = true\n')
    app = make_app([str(demo_root)], clock=lambda: FIXED_NOW)

    async def before(pilot: Any) -> None:
        await _loaded(pilot)
        await pilot.press("plus", "tab", "l", "l")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 48), run_before=before)
