"""Helpers for tests on the demo runs (the ``demo_root`` fixture is in conftest.py)."""

from __future__ import annotations

from pathlib import Path


def demo_folder(root: Path, name: str) -> Path:
    """The demo run folder whose name starts with ``name`` (a config and seed)."""
    (match,) = [p for p in root.iterdir() if p.name.startswith(name + "_2")]
    return match
