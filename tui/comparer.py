"""The comparison of the current view, kept apart from the screen: it builds the worker's
input from the View, runs one comparison at a time (:class:`~curvelens.tui.jobs.Latest`),
keeps the result that belongs to the view on screen, and adds its overlays (group bands,
divergence markers, the divergence note) to what the plot shows."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from rich.text import Text

from curvelens.tui import jobs, plotdata
from curvelens.tui.analysis import AnalysisInput, Comparison, RunInput
from curvelens.tui.catalog import Catalog
from curvelens.tui.messages import AnalysisReady
from curvelens.tui.overlays import band_traces, marker_trace, y_span
from curvelens.tui.panes import Looks
from curvelens.tui.state import View
from curvelens.tui.text import fmt_step, rgb_style
from curvelens.tui.widgets.metric_plot import PlotSpec

RGB = tuple[int, int, int]
RunWorker = Callable[[Callable[[], None]], object]


def analysis_input(catalog: Catalog, view: View, ids: list[str], width: int) -> AnalysisInput:
    """What the comparison of ``view`` needs, copied off the UI state."""
    views = plotdata.compute(catalog.store, ids, view)
    bands = view.bands and view.x_axis == "step"
    weight = view.weight if view.smoothing != "off" else None
    run_ids = [v.run_id for v in views]
    key = (catalog.generation, tuple(run_ids), view.baseline, view.metric, view.x_axis,
           view.x_range, view.smoothing, weight, bands, width if bands else 0)  # fmt: skip
    reference = view.baseline if view.baseline in run_ids else (run_ids[0] if run_ids else None)
    params = {i: catalog.entries[i].params for i in run_ids}
    runs = tuple(RunInput(v.run_id, v.step, v.y) for v in views)
    return AnalysisInput(
        key, view.metric or "", runs, reference, params, bands, max(20, width // 2)
    )


class Comparer:
    """The latest comparison and the worker computing the next one."""

    def __init__(self, run_worker: RunWorker, post: jobs.Post) -> None:
        self._post = post
        self._latest = jobs.Latest(lambda inp: run_worker(partial(jobs.analyse, inp, post)))  # type: ignore[arg-type]
        self.key: tuple[object, ...] | None = None
        """The view the pane should show."""
        self.comparison: Comparison | None = None

    def request(self, inp: AnalysisInput) -> None:
        """Compare ``inp`` unless it is the view already asked for."""
        if inp.key != self.key:
            self.key = inp.key
            self._latest.submit(inp)

    @property
    def busy(self) -> bool:
        """A comparison is being computed."""
        return self._latest.busy

    def finished(self) -> None:
        """The worker ended (start the view asked for meanwhile)."""
        self._latest.finished()

    def accept(self, message: AnalysisReady) -> bool:
        """Keep ``message``'s comparison when it belongs to the view on screen."""
        if message.comparison is None or message.key != self.key:
            return False
        self.comparison = message.comparison
        return True

    def current(self) -> Comparison | None:
        """The comparison of the view on screen, or None while it is computed."""
        c = self.comparison
        return c if c is not None and c.key == self.key else None

    def overlay(self, spec: PlotSpec, look: Looks, baseline: str | None, bands: bool,
                background: RGB) -> PlotSpec:  # fmt: skip
        """``spec`` with group bands and, with a baseline, divergence markers."""
        c = self.current()
        if c is None or not spec.traces or spec.x_axis != "step":
            return spec
        traces, labels, colors = list(spec.traces), dict(spec.labels), dict(spec.colors)
        if bands and c.bands:
            group_colors = {g.name: look.colors.get(g.runs[0], (200, 200, 200)) for g in c.groups}
            traces, labels, colors = band_traces(c, traces, colors, group_colors, background)
        span = y_span(traces, spec.ylim)
        if c.reference == baseline and span is not None:
            for run in c.runs:
                if run.divergence is not None and run.run_id in spec.colors:
                    traces.append(marker_trace(f"div:{run.run_id}", run.divergence, span))
                    colors[f"div:{run.run_id}"] = spec.colors[run.run_id]
        if traces == spec.traces:
            return spec
        return replace(spec, traces=traces, colors=colors, labels=labels,
                       legend=bool(bands and c.bands))  # fmt: skip

    def divergence_note(self, look: Looks, baseline: str | None) -> Text:
        """``│ diverges @ 801 ●● never ●``: each run's divergence step from the baseline."""
        c, note = self.current(), Text()
        if c is None or c.reference != baseline or baseline is None:
            return note
        by_step: dict[float | None, list[str]] = {}
        for run in c.runs:
            if run.run_id != c.reference:
                by_step.setdefault(run.divergence, []).append(run.run_id)
        if not by_step:
            return note
        note.append("diverges @", style="dim")
        for step in sorted(by_step, key=lambda s: math.inf if s is None else s):
            note.append(" " + (fmt_step(step) if step is not None else "never") + " ")
            for run_id in by_step[step]:
                note.append(look.markers.get(run_id, "●") if look.no_color else "●",
                            style=rgb_style(look.colors.get(run_id)))  # fmt: skip
        return note.append("  ")
