"""A loading worker for the two-process cache test (importable by a spawned process)."""

from __future__ import annotations

from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs


def fill(root: str) -> list[tuple[str, int, float]]:
    """Load every run under ``root`` through the cache: id, point count and value sum each."""
    runs = load_runs(discover([root]).runs)
    return [(run.ref.id, run.points.height, float(run.points["value"].sum())) for run in runs]
