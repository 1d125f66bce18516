"""Run status rules: running, finished, crashed, stopped, diverged."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np
import polars as pl

from curvelens.core.live.status import diverged, run_status
from curvelens.core.readers.points import build_points

NOW = 1_800_000_000.0


def _points(series: dict[str, list[float]]) -> pl.DataFrame:
    metrics, steps, values = [], [], []
    for name, ys in series.items():
        metrics += [name] * len(ys)
        steps += list(range(len(ys)))
        values += ys
    return build_points(metrics, steps, values, [None] * len(values))[0]


def _ago(seconds: float) -> datetime:
    return datetime.fromtimestamp(NOW - seconds, tz=timezone.utc)


def test_silence_and_end_markers() -> None:
    points = _points({"loss": [1.0, 0.5]})
    assert run_status("csv", "unknown", _ago(5), points, now=NOW) == "running"
    assert run_status("csv", "unknown", _ago(601), points, now=NOW) == "stopped"
    assert run_status("mlflow", "unknown", _ago(601), points, now=NOW) == "crashed"
    assert run_status("mlflow", "unknown", _ago(601), points, now=NOW, crash_after=900) == (
        "running"
    )
    assert run_status("mlflow", "finished", _ago(9999), points, now=NOW) == "finished"
    assert run_status("sacred", "failed", _ago(1), points, now=NOW) == "crashed"
    assert run_status("csv", "unknown", None, points, now=NOW) == "stopped"


def test_diverged_needs_a_loss_that_stays_non_finite() -> None:
    assert diverged(_points({"train_loss": [1.0, 0.5, math.nan, math.inf]}))
    assert diverged(_points({"val/loss": [1.0, math.inf]}))
    assert not diverged(_points({"train_loss": [1.0, math.nan, 0.4]}))  # recovered
    assert not diverged(_points({"grad_norm": [1.0, math.inf]}))  # not a loss
    assert not diverged(_points({"loss": [1.0, 50.0, 60.0, 70.0]}))  # finite: the engine's
    points = _points({"loss": [1.0, math.nan]})
    assert run_status("mlflow", "finished", _ago(1), points, now=NOW) == "diverged"


def test_no_false_divergence_on_noisy_finite_losses() -> None:
    """The rule only fires on NaN/inf: on 500 simulated noisy, spiky, finite loss curves
    its false-positive rate is 0 (README, METHODS)."""
    rng = np.random.default_rng(0)
    flagged = 0
    for _ in range(500):
        curve = np.exp(-np.linspace(0, 3, 50)) + rng.standard_t(2, 50) * 0.3
        flagged += diverged(_points({"loss": curve.tolist()}))
    assert flagged == 0
