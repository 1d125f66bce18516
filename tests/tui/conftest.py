"""Fixtures of the app tests: the demo root in tmp_path with fixed mtimes and one bad line,
state and config redirected, a fixed clock and time zone, so runs are deterministic."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from curvelens.core.demo import write_demo
from curvelens.tui.app import CurvelensApp, make_app

FIXED_NOW = 1_741_000_000.0
"""The clock the tests run at (2025-03-03), a day after the demo's runs."""
FIXED_MTIME = 1_740_900_000.0
BAD_LINE = "17,not,enough,fields"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep the user's config and state out, pin the time zone."""
    monkeypatch.setenv("CURVELENS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CURVELENS_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def demo_root(tmp_path: Path) -> Path:
    """The demo runs, with a malformed line in the first run's log and fixed mtimes."""
    root = tmp_path / "runs"
    folders = write_demo(root)
    log = folders[0] / "logs" / "metrics.csv"
    lines = log.read_text().splitlines(keepends=True)
    lines.insert(4, BAD_LINE + "\n")
    log.write_text("".join(lines))
    for path in root.rglob("*"):
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    return root


@pytest.fixture
def app(demo_root: Path) -> CurvelensApp:
    """The app on the demo root, with a fixed clock."""
    return make_app([str(demo_root)], clock=lambda: FIXED_NOW)


async def settle(app: CurvelensApp, pilot: object) -> None:
    """Wait for loading to finish and the messages it posted to be handled."""
    await app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()  # type: ignore[attr-defined]


REAL_SUBSETS = (
    "tensorboard/Jhko725__Contact-Point-Detection",
    "tensorboard/KarelVeldkamp__VAE-MIRT-Missing",
    "lightning_csv/NebusokuDev__mnist_lightning",
    "lightning_csv/Eve-ning__opal-v2",
    "sacred/manuel-rhdt__ml-pws",
    "sb3/davidADSP__SIMPLE",
    "hf_trainer/aigoncharov__trainer_state_viz",
    "mlflow/10tanmay100__DEEPCNNCLASSIFIER",
)
"""Real logs from several libraries: five ``version_0``-like names, Sacred's ``1``, ``3``."""


def real_fixtures() -> Path | None:
    """The shared real-log fixtures beside the repository, when this checkout has them."""
    repo = Path(__file__).resolve().parents[2]
    for candidate in (repo.parent / "shared", repo.parent.parent / "shared"):
        if (candidate / "fixtures" / "real").is_dir():
            return candidate / "fixtures" / "real"
    return None


@pytest.fixture
def mixed_root(tmp_path: Path) -> Path:
    """A root of real runs from several libraries, copied to tmp_path with fixed mtimes."""
    import shutil

    real = real_fixtures()
    if real is None:
        pytest.skip("the shared real-log fixtures are not beside this checkout")
    root = tmp_path / "mixed"
    for subset in REAL_SUBSETS:
        shutil.copytree(real / subset, root / subset)
    for path in root.rglob("*"):
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    return root
