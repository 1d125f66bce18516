"""Synthetic runs for the comparison engine's tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import polars as pl

from curvelens.core.schema import POINTS, RunData, RunRef


def run(
    name: str,
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    params: Mapping[str, object] | None = None,
) -> RunData:
    """A loaded run named ``name`` with ``metric -> (steps, values)`` and ``params``."""
    rows = [
        (metric, float(s), float(v))
        for metric, (steps, values) in sorted(curves.items())
        for s, v in zip(steps, values, strict=True)
    ]
    frame = pl.DataFrame(
        {
            "metric": [r[0] for r in rows],
            "step": [r[1] for r in rows],
            "value": [r[2] for r in rows],
            "wall_time": [None] * len(rows),
        },
        schema=dict(POINTS),
    )
    ref = RunRef(name, name, Path("/runs") / name, "csv")
    return RunData(ref, frame, dict(params or {}))


def seed_runs(
    config: str,
    seeds: Sequence[int],
    final: float,
    *,
    metric: str = "eval_loss",
    steps: int = 50,
    noise: float = 0.02,
    params: Mapping[str, object] | None = None,
) -> list[RunData]:
    """Seed runs of one config: a decaying curve ending near ``final`` plus noise."""
    out = []
    for s in seeds:
        rng = np.random.default_rng(1000 * s + len(config))
        x = np.arange(1, steps + 1, dtype=np.float64)
        y = final * (1 + 2 * np.exp(-x / 10)) * (1 + rng.normal(0, noise, x.size))
        p = {"lr": config, "seed": s, **(params or {})}
        out.append(run(f"{config}_seed{s}", {metric: (x, y)}, p))
    return out
