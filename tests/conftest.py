"""Shared test helpers: where the real fixture logs live (read in place, never copied), and a
parse cache of each test's own (never the developer's)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "fixtures" / "real"


@pytest.fixture(autouse=True)
def own_cache_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point ``$CURVELENS_CACHE_DIR`` at a fresh folder for every test (subprocesses too)."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("CURVELENS_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def real() -> Path:
    """The real-log fixture tree beside the repository (skips when it is absent)."""
    if not REAL.is_dir():
        pytest.skip(f"real fixtures not found at {REAL}")
    return REAL
