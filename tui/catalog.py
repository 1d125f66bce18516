"""The loaded data the app shows: discovered runs, their entries (unique names), per-metric
series and every warning. It changes only as runs load; what is shown of it is the View."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from curvelens.core.schema import Issue, RunData, RunRef
from curvelens.tui import state
from curvelens.tui.runfilter import compile_filter
from curvelens.tui.runs import RunEntry, Values, entry_of, first_metric, names_of, ordered
from curvelens.tui.series import Series, SeriesStore
from curvelens.tui.state import FIRST_SELECTED, View

Batch = list[tuple[RunData, dict[str, Series] | None]]
"""Runs with their series split per metric, or None: split when first plotted."""


def _num(value: object) -> float:
    """A summary cell as a float (NaN for null)."""
    return math.nan if value is None else float(value)  # type: ignore[arg-type]


class Catalog:
    """Runs by id in discovery order, with the series store and the warnings."""

    def __init__(self) -> None:
        self.refs: list[RunRef] = []
        self.entries: dict[str, RunEntry] = {}
        self.store = SeriesStore()
        self._issues: dict[str, list[tuple[str, Issue]]] = {}
        """Warnings by run id ("" for discovery): a run read again replaces its own."""
        self.total: int | None = None
        """Runs to load; None while discovery runs."""
        self.loaded = 0
        self.poll = ""
        """When the runs on disk were last polled and what that found (live runs)."""
        self._log_names: dict[str, str] = {}
        self.partial: set[str] = set()
        """Runs loaded with only some metrics (lazy metrics; the rest is on its way)."""
        self._metric_names: dict[str, frozenset[str]] = {}
        self.runs: dict[str, RunData] = {}
        """The loaded runs (points read on first use for a cached run)."""
        self.unsplit: set[str] = set()
        """Runs whose series are not split from their points yet (split when plotted)."""
        self._rows: dict[str, dict[str, tuple[float, float, float]]] = {}
        self._values: dict[tuple[int, str], Values] = {}

    @property
    def generation(self) -> int:
        """Changes whenever runs are added (results computed before are stale)."""
        return self.store.generation + len(self.entries)

    @property
    def issues(self) -> list[tuple[str, Issue]]:
        """(run name or "" for discovery, issue) for every warning."""
        return [pair for own in self._issues.values() for pair in own]

    @property
    def complete(self) -> bool:
        """Every discovered run is loaded whole (none partial)."""
        return self.total is not None and self.loaded == self.total and not self.partial

    @property
    def run_paths(self) -> list[Path]:
        """Every discovered run's folder or file (exports never go inside one)."""
        return [ref.path for ref in self.refs]

    def discovered(self, refs: tuple[RunRef, ...], issues: tuple[Issue, ...]) -> None:
        """Discovery finished: placeholders for every run."""
        self.refs, self.total = list(refs), len(refs)
        self._issues.setdefault("", []).extend(("", issue) for issue in issues)
        self._rename()

    def add(self, batch: Batch) -> None:
        """A batch of runs loaded; a run given without series is split later, when it is
        plotted (:meth:`unsplit_of`; until then its list values come from its summary)."""
        for run, series in batch:
            run_id = run.ref.id
            self._log_names[run_id] = run.ref.name
            self.runs[run_id] = run
            if series is not None or run.error is not None:
                self.store.add(run_id, series or {})
                self.unsplit.discard(run_id)
            else:  # any older split stays drawn until the new one arrives
                self.unsplit.add(run_id)
            self._metric_names[run_id] = frozenset(run.metrics if series is None else series)
            self._rows.pop(run_id, None)
            if run.partial:
                self.partial.add(run_id)
            else:
                self.partial.discard(run_id)
            own = [(run.ref.name, issue) for issue in run.issues]
            if run.error is not None:
                own.append((run.ref.name, Issue(run.ref.path, f"not loaded: {run.error}")))
            self._issues[run_id] = own
            self.entries[run_id] = entry_of(run.ref, run, run.ref.name)
        self.loaded += len(batch)
        self._values.clear()
        self._rename()

    def unsplit_of(self, run_ids: list[str]) -> list[RunData]:
        """The runs of ``run_ids`` whose series are not split yet (or older than the run)."""
        return [self.runs[i] for i in run_ids if i in self.unsplit]

    def split(self, batch: Batch) -> bool:
        """Series a worker split; True when any belongs to the run held now."""
        current = [
            (run, s) for run, s in batch if s is not None and self.runs.get(run.ref.id) is run
        ]
        for run, series in current:
            assert series is not None
            self.store.add(run.ref.id, series)
            self.unsplit.discard(run.ref.id)
        self._values.clear()
        return bool(current)

    def update(self, batch: Batch, new: tuple[RunRef, ...]) -> None:
        """A poll replaced the runs of ``batch`` and found the ``new`` runs (in ``batch``)."""
        known = {ref.id for ref in self.refs}
        fresh = [ref for ref in new if ref.id not in known]
        self.refs.extend(fresh)
        if self.total is not None:
            self.total += len(fresh)
        replaced = sum(1 for run, _ in batch if run.ref.id in known)
        self.add(batch)
        self.loaded -= replaced

    def _rename(self) -> None:
        """Entries for every ref, with names unique across all runs known so far."""
        names = names_of(self.refs, self._log_names)
        for ref in self.refs:
            old = self.entries.get(ref.id)
            if old is None:
                self.entries[ref.id] = entry_of(ref, None, names[ref.id])
            elif old.name != names[ref.id]:
                self.entries[ref.id] = replace(old, name=names[ref.id])

    def values(self, metric: str | None) -> Values:
        """(last, best, last step) of ``metric`` for every run that logged it, cached; from
        the series, or from the summary of a run not split yet (the same numbers)."""
        if not metric:
            return {}
        key = (self.generation, metric)
        if key not in self._values:
            from curvelens.core.analysis.direction import higher_is_better

            up, out = higher_is_better(metric), {}
            for run_id in self.entries:
                if run_id in self.unsplit:
                    if (row := self._summary_rows(run_id).get(metric)) is not None:
                        out[run_id] = row
                    continue
                series = self.store.get(run_id, metric)
                if series is None or not series.value.size:
                    continue
                finite = series.value[np.isfinite(series.value)]
                best = float(finite.max() if up else finite.min()) if finite.size else math.nan
                out[run_id] = (float(series.value[-1]), best, float(series.step[-1]))
            self._values = {key: out}
        return self._values[key]

    def _summary_rows(self, run_id: str) -> dict[str, tuple[float, float, float]]:
        """(last, best, last step) by metric from a run's summary (memoised per run)."""
        if run_id not in self._rows:
            summary = self.runs[run_id].summary
            rows = [] if summary is None else summary.select(
                "metric", "last", "best", "last_step", "count").rows()  # fmt: skip
            self._rows[run_id] = {
                str(m): (_num(last), _num(best), _num(step))
                for m, last, best, step, count in rows
                if count
            }
        return self._rows[run_id]

    def shown(self, view: View) -> list[RunEntry]:
        """Runs passing the filter, in display order."""
        test = compile_filter(view.filter)
        kept = [e for e in self.entries.values() if test(e)]
        values = self.values(view.metric)
        return ordered(kept, view.sort, view.sort_reverse, values, view.pins, view.group_by)

    def metrics(self, run_ids: list[str] | None = None) -> list[str]:
        """Sorted metrics of ``run_ids`` (all runs when None), loaded or not yet."""
        ids = list(self._metric_names) if run_ids is None else run_ids
        names = {m for i in ids for m in self._metric_names.get(i, ())}
        return sorted(names.union(self.store.metrics(run_ids)))

    def run_metrics(self, run_id: str) -> set[str]:
        """Every metric ``run_id`` logged, loaded or not yet."""
        return set(self._metric_names.get(run_id, ())) or self.store.run_metrics(run_id)

    def first_view(self, view: View) -> View:
        """``view`` with the first view's selection and metric (until the user picks): the
        first runs in display order that logged anything, and the metric most of them have."""
        ids = [e.id for e in self.shown(view) if e.loaded and self.run_metrics(e.id)]
        first = ids[:FIRST_SELECTED]
        metric = first_metric([self.run_metrics(i) for i in first])
        return state.first_view(view, ids, metric, FIRST_SELECTED)

    def param_keys(self) -> list[str]:
        """Every param key of any run, sorted."""
        return sorted({k for e in self.entries.values() for k in e.params})
