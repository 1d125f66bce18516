"""Lazy metrics: which of a run's metrics a load keeps, and a run narrowed to them.

A selection is given as metric names (the app: the metrics it shows) or as a regular
expression searched in each name (the CLI's ``--metrics REGEX``). A run narrowed to a
selection keeps every other field, lists all its metric names in ``RunData.metrics`` and
says it is ``partial`` unless the selection covers every metric it has.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from itertools import accumulate

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


def narrow(runs: Sequence[RunData], pick: Pick) -> list[RunData]:
    """``runs`` (fully read, with their summaries) holding only the picked metrics' points
    and summary rows; a run the pick covers stays as it is. The summaries are narrowed by
    one filter over all of them (a filter per run cost more than the cached load)."""
    names = [run.metrics for run in runs]
    wanted = [pick(found) for found in names]
    narrowed = [i for i, run in enumerate(runs) if not wanted[i].issuperset(names[i])]
    summaries = _narrow_summaries([runs[i] for i in narrowed], [wanted[i] for i in narrowed])
    out = list(runs)
    for i, summary in zip(narrowed, summaries, strict=True):
        out[i] = _narrowed(runs[i], wanted[i], summary, names[i])
    return out


def _narrow_summaries(
    runs: Sequence[RunData], wanted: Sequence[frozenset[str]]
) -> list[pl.DataFrame | None]:
    """Each run's summary rows of its ``wanted`` metrics (None for a run without one)."""
    have = [run.summary for run in runs]
    frames = [summary for summary in have if summary is not None]
    if not frames:
        return [None] * len(runs)
    keep: list[bool] = []
    counts: list[int] = []
    for summary, names in zip(have, wanted, strict=True):
        if summary is not None:
            rows = [name in names for name in summary.get_column("metric").to_list()]
            keep.extend(rows)
            counts.append(sum(rows))
    kept = pl.concat(frames).filter(pl.Series(keep, dtype=pl.Boolean))
    starts = [0, *accumulate(counts)][:-1]
    parts = iter(kept.slice(start, n) for start, n in zip(starts, counts, strict=True))
    return [None if summary is None else next(parts) for summary in have]


def _narrowed(
    run: RunData, wanted: frozenset[str], summary: pl.DataFrame | None, names: list[str]
) -> RunData:
    """``run`` with the points of ``wanted`` only, ``summary``, partial, every name listed."""
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
