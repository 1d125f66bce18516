"""Run status rules, shared by loading and live polling.

Statuses, first match wins:

- ``error``: the run could not be read.
- ``diverged``: a loss metric's values stay NaN or infinite to the end (the comparison
  engine's divergence policy, without its explosion rule).
- ``finished``: the format wrote its end marker (MLflow/Sacred status, W&B exit record,
  HF Trainer's final summary entry).
- ``crashed``: the format recorded a failure (MLflow FAILED/KILLED, Sacred FAILED, W&B
  non-zero exit), or a format that writes end markers wrote none and no log file changed
  for ``crash_after`` seconds (a killed job cannot write its marker).
- ``running``: a log file changed less than ``crash_after`` seconds ago.
- ``stopped``: nothing written for ``crash_after`` seconds by a format that records no end
  (CSV, JSONL, TensorBoard, DVCLive): finished or crashed, the log cannot tell.
- ``gone``: a watched run whose folder or log vanished.
"""

from __future__ import annotations

import time
from datetime import datetime

import numpy as np
import polars as pl

from curvelens.core.analysis.direction import quantity

CRASH_AFTER_S = 600.0
"""Default silence (seconds) after which a run without an end marker is not running."""
END_MARKER_FORMATS = frozenset({"mlflow", "wandb", "sacred", "hf_trainer"})
"""Formats that record how a run ended, so silence without a marker means a crash."""
SILENT = ("crashed", "stopped")
"""Statuses a running run turns into when it stops writing."""


def run_status(
    format_name: str,
    marker: str,
    updated: datetime | None,
    points: pl.DataFrame,
    *,
    now: float | None = None,
    crash_after: float = CRASH_AFTER_S,
) -> str:
    """The status of a read run: ``marker`` is the reader's status (``finished``,
    ``failed``, ``running`` or ``unknown``), ``updated`` its newest log file mtime;
    ``points`` its ``POINTS``, or its summary (a cached run: :func:`diverged` from ``last``)."""
    if diverged(points):
        return "diverged"
    if marker == "finished":
        return "finished"
    if marker == "failed":
        return "crashed"
    return silence_status(format_name, updated, now=now, crash_after=crash_after)


def silence_status(
    format_name: str,
    updated: datetime | None,
    *,
    now: float | None = None,
    crash_after: float = CRASH_AFTER_S,
) -> str:
    """``running`` while the newest write is recent, else ``crashed`` or ``stopped``."""
    clock = time.time() if now is None else now
    if updated is not None and clock - updated.timestamp() < crash_after:
        return "running"
    return "crashed" if format_name in END_MARKER_FORMATS else "stopped"


def diverged(points: pl.DataFrame) -> bool:
    """True when a loss metric diverged by the comparison engine's policy
    (:func:`~curvelens.core.comparison.values.divergence_of`: its values stay NaN/inf to
    the end). Explosions of finite values are the comparison's to judge, not the status'.
    ``points`` is a ``POINTS`` frame sorted by metric then step, or a run's summary
    (:func:`~curvelens.core.analysis.summary.summarize`), whose ``last`` is the raw value at
    the last step: the same rule, since a NaN/inf tail is a non-finite last point."""
    if "last" in points.columns:
        last = points.filter(~pl.col("last").fill_null(float("nan")).is_finite())
        return any(quantity(name) == "loss" for name in last.get_column("metric").to_list())
    values = points.get_column("value").to_numpy()
    if values.size == 0 or bool(np.isfinite(values).all()):
        return False  # the common case costs one vectorised pass
    from curvelens.core.comparison.values import Curve, divergence_of

    bad = points.filter(~pl.col("value").is_finite()).get_column("metric").unique().to_list()
    for name in bad:
        if quantity(name) != "loss":
            continue
        curve = points.filter(pl.col("metric") == name)
        steps, ys = curve.get_column("step").to_numpy(), curve.get_column("value").to_numpy()
        if divergence_of(Curve(name, steps, ys), explodes=False)[0] is not None:
            return True
    return False
