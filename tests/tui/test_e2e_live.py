"""End to end, live: rows appended to a run while the installed command runs in tmux reach
the screen by the app's own polling (no key pressed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.test_e2e_tmux import _session, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_log(tmp_path: Path) -> Path:
    """One reference-layout run of 20 steps."""
    log = tmp_path / "runs" / "live_20250301_090000" / "logs" / "metrics.csv"
    log.parent.mkdir(parents=True)
    log.write_text("step,train_loss\n" + "".join(f"{s},{10 / s}\n" for s in range(1, 21)))
    return log


@pytest.fixture
def live_session(tmp_path: Path, live_log: Path) -> Iterator[str]:
    yield from _session(tmp_path, tmp_path / "runs")


def test_appended_step_appears_on_screen(live_session: str, live_log: Path) -> None:
    text = wait_for(live_session, lambda s: "1/1 runs" in s, "the run loaded")
    assert " 900" not in text
    with live_log.open("a") as handle:
        handle.write("".join(f"{s},{10 / s}\n" for s in range(21, 901)))
    text = wait_for(live_session, lambda s: "1 run changed" in s and " 900" in s, "step 900")
    assert "polled" in text
