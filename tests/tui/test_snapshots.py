"""Snapshot tests of the app: fixed clock, mtimes and time zone, cursor blink off, every worker
finished before the picture is taken. The demo runs at 80x24 and 160x48, the grid (also at
80x24), a light theme with smoothing, zoom and the cursor, every modal screen, a maximised
pane, and a root of real runs from several libraries (unique names visible)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from curvelens.tui.app import make_app

from .conftest import FIXED_NOW, real_fixtures


async def _loaded(pilot: Any) -> None:
    """Wait until every run is loaded and drawn, with steady (non-blinking) cursors."""
    await pilot.app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False


async def _press(pilot: Any, *keys: str) -> None:
    """Press ``keys``, then wait for the workers they start and the repaint."""
    await pilot.press(*keys)
    await _loaded(pilot)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_main_screen(snap_compare: Any, demo_root: Path, size: tuple[int, int]) -> None:
    app = make_app([str(demo_root)], clock=lambda: FIXED_NOW)
    assert snap_compare(app, terminal_size=size, run_before=_loaded)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_grid_of_metrics(snap_compare: Any, demo_root: Path, size: tuple[int, int]) -> None:
    app = make_app([str(demo_root)], clock=lambda: FIXED_NOW)

    async def before(pilot: Any) -> None:
        await _loaded(pilot)
        await _press(pilot, "g", "left_square_bracket")

    assert snap_compare(app, terminal_size=size, run_before=before)


def test_light_theme_smoothed_and_zoomed(
    snap_compare: Any, demo_root: Path, tmp_path: Path
) -> None:
    (tmp_path / "config.toml").write_text('theme = "textual-light"\nsmoothing = true\n')
    app = make_app([str(demo_root)], clock=lambda: FIXED_NOW)

    async def before(pilot: Any) -> None:
        await _loaded(pilot)
        await _press(pilot, "plus", "tab", "l", "l")

    assert snap_compare(app, terminal_size=(160, 48), run_before=before)


@pytest.mark.parametrize(
    "keys",
    [
        ("question_mark",),  # help
        ("w",),  # warnings
        ("enter",),  # detail of one run
        ("a", "enter"),  # detail: params that differ
        ("m",),  # metric picker
        ("t",),  # group-by picker
        ("A",),  # anomalies
    ],
    ids=["help", "warnings", "detail", "detail-many", "metric-picker", "group-picker", "anomalies"],
)
def test_modal_screens(snap_compare: Any, demo_root: Path, keys: tuple[str, ...]) -> None:
    app = make_app([str(demo_root)], clock=lambda: FIXED_NOW)

    async def before(pilot: Any) -> None:
        await _loaded(pilot)
        await _press(pilot, *keys)

    assert snap_compare(app, terminal_size=(120, 36), run_before=before)


def test_maximised_stats_pane(snap_compare: Any, demo_root: Path) -> None:
    app = make_app([str(demo_root)], clock=lambda: FIXED_NOW)

    async def before(pilot: Any) -> None:
        await _loaded(pilot)
        await _press(pilot, "a", "tab", "tab", "f")

    assert snap_compare(app, terminal_size=(100, 30), run_before=before)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_mixed_format_root(snap_compare: Any, mixed_root: Path, size: tuple[int, int]) -> None:
    assert real_fixtures() is not None
    app = make_app([str(mixed_root)], clock=lambda: FIXED_NOW)
    assert snap_compare(app, terminal_size=size, run_before=_loaded)
