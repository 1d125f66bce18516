"""Shared test helpers: where the real fixture logs live (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "fixtures" / "real"


@pytest.fixture
def real() -> Path:
    """The real-log fixture tree beside the repository (skips when it is absent)."""
    if not REAL.is_dir():
        pytest.skip(f"real fixtures not found at {REAL}")
    return REAL
