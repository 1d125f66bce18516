"""The stats pane's summaries: memoised per view in the series store, computed in a thread
worker when new (the plot's frame never waits for them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import polars as pl

from curvelens.tui import jobs, plotdata
from curvelens.tui.catalog import Catalog
from curvelens.tui.messages import StatsReady
from curvelens.tui.state import View


class Summaries:
    """The summary of the view on screen, and the worker computing new ones."""

    def __init__(self, run_worker: Callable[[Callable[[], None]], object], post: jobs.Post):
        self._run_worker, self._post = run_worker, post
        self.key: tuple[object, ...] | None = None

    def get(self, catalog: Catalog, view: View, ids: list[str]) -> pl.DataFrame | None:
        """The summary of ``view`` when known; else None and a worker starts on it."""
        store = catalog.store
        key = ("stats", store.generation, tuple(ids), view.metric, view.x_axis, view.x_range,
               view.smoothing, view.weight)  # fmt: skip
        self.key = key
        summary = store.cached(key)
        if summary is None:
            views = plotdata.compute(store, ids, view)
            self._run_worker(partial(jobs.summarize, key, views, view.metric or "", self._post))
        return summary  # type: ignore[no-any-return]

    def accept(self, catalog: Catalog, message: StatsReady) -> bool:
        """Memoise a finished summary; True when it is the one the screen waits for."""
        catalog.store.remember(message.key, message.summary)
        return message.key == self.key
