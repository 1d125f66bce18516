"""Lazy metrics: which of a run's metrics a load keeps, and a run narrowed to them.

A selection is given as metric names (the app: the metrics it shows) or as a regular
expression searched in each name (the CLI's ``--metrics REGEX``). A run narrowed to a
selection keeps every other field, lists all its metric names in ``RunData.metrics`` and
says it is ``partial`` unless the selection covers every metric it has.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import replace

import polars as pl

from curvelens.core.schema import RunData

Metrics = Collection[str] | re.Pattern[str]
"""What a load may be asked for: metric names, or a pattern searched in each name."""
Pick = Callable[[Iterable[str]], frozenset[str]]
"""Given a run's metric names, the names to read (names: all of them, known or not)."""


def picker(metrics: Metrics | None) -> Pick | None:
    """The :data:`Pick` of a selection; None for none (everything is loaded)."""
    if metrics is None:
        return None
    if isinstance(metrics, re.Pattern):
        pattern = metrics
        return lambda names: frozenset(name for name in names if pattern.search(name))
    if isinstance(metrics, str):
        raise TypeError("metrics: a collection of names, not one string")
    wanted = frozenset(metrics)
    return lambda _names: wanted


def only(points: pl.DataFrame, wanted: frozenset[str]) -> pl.DataFrame:
    """The rows of ``points`` (or of a summary) whose metric is in ``wanted``."""
    return points.filter(pl.col("metric").is_in(list(wanted)))


def narrow(run: RunData, pick: Pick) -> RunData:
    """``run`` (fully read, with its summary) holding only the picked metrics' points and
    summary rows; the same run when the pick covers all its metrics."""
    names = run.metrics
    wanted = pick(names)
    if wanted.issuperset(names):
        return run
    summary = None if run.summary is None else only(run.summary, wanted)
    narrowed = replace(run, summary=summary, partial=True, all_metrics=tuple(names))
    if "points" in run.__dict__:  # read already: filter now, keep no reference to all
        kept = only(run.points, wanted)
        return replace(narrowed, load_points=lambda: kept)
    load = run.load_points
    return replace(narrowed, load_points=lambda: only(load(), wanted))


def described(run: RunData, pick: Pick, listed: Iterable[str]) -> RunData:
    """``run`` read for ``pick(listed)`` only (``listed``: the header pass's names), with
    every name known listed and ``partial`` unless nothing was left out."""
    names = sorted(set(listed) | set(run.metrics))
    partial = not pick(names).issuperset(names)
    return replace(run, partial=partial, all_metrics=tuple(names))
