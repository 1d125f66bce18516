"""The one comparison engine: the numbers ``compare``, ``report`` and the app all show.

Public API (pure: no printing, no UI; safe to call from a worker thread; scipy is imported
lazily inside the statistics)::

    from curvelens.core.comparison import CompareOptions, build_comparison

    comparison = build_comparison(runs, CompareOptions(at="common", metrics="loss$"))

- ``build_comparison(runs: Sequence[RunData], options: CompareOptions) -> Comparison``.
  The first run's group is the reference (or ``options.reference``, a run id).
- :class:`CompareOptions` (``options.py``): ``at`` (``"common"`` default | ``"last"`` |
  ``"best"`` | a step), ``metrics`` regex, ``higher``/``lower`` regexes (direction
  overrides), ``group_by`` param, ``no_group``, explicit ``groups`` (name -> run ids),
  ``reference``, ``seed``, ``reps``, ``level``, ``test_all``, ``smoothed`` (EMA weight of an
  explicitly smoothed, labelled comparison), ``persist``, ``anomalies`` (False skips the
  per-run health scan, the costly part: demo, 6 runs x 15 metrics, 1.1 s with it, 0.27 s
  without, 0.07 s for one metric).
- :class:`Comparison` (``model.py``): ``headline``, ``notes``, ``grouping``, ``groups``
  (name -> run display names, reference first), ``group_keys``, ``run_ids`` (display name
  -> id), ``metrics`` (one :class:`MetricComparison` each: ``direction``, ``kind``,
  ``performance``, ``at``, ``step``, ``runs`` (:class:`RunValue`), ``groups``
  (:class:`GroupStats`), ``pairs`` (:class:`PairComparison` with ``divergence``,
  ``progression``, ``test`` (:class:`GroupTest`), ``paired``), ``convergence``, ``notes``),
  ``aggregates``, ``anomalies`` (sorted by run then step; each with score and reason),
  ``overfitting``; ``comparison.metric(name)`` finds one metric.
- ``curves.shared_grid`` / ``curves.on_grid`` / ``curves.mean_curve``: the alignment the
  divergence uses, for plotting group bands on the same grid.
- Writers: ``curvelens.core.reports.compare_writers.compare_text`` / ``compare_markdown``
  and ``compare_json.compare_json`` render a whole :class:`Comparison` (the app's export
  can build one for the shown metric and call ``compare_markdown``).

Rules and the measured behaviour of every number are in README's METHODS section.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from curvelens.core.comparison.builder import build_comparison
    from curvelens.core.comparison.model import (
        Aggregate,
        Anomaly,
        Comparison,
        Direction,
        DivergencePoint,
        GroupStats,
        GroupTest,
        MetricComparison,
        Overfit,
        PairComparison,
        Power,
        RunValue,
        Settled,
    )
    from curvelens.core.comparison.options import CompareOptions

#: Where each public name lives: imported on first use, so that importing
#: ``curvelens.core.comparison.options`` (the CLI's option defaults) loads no numpy.
_HOMES = {
    "build_comparison": "builder",
    "CompareOptions": "options",
    **{
        name: "model"
        for name in (
            "Aggregate", "Anomaly", "Comparison", "Direction", "DivergencePoint", "GroupStats",
            "GroupTest", "MetricComparison", "Overfit", "PairComparison", "Power", "RunValue",
            "Settled",
        )
    },
}  # fmt: skip


def __getattr__(name: str) -> Any:
    """The public name ``name``, from its module (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


__all__ = [
    "Aggregate",
    "Anomaly",
    "CompareOptions",
    "Comparison",
    "Direction",
    "DivergencePoint",
    "GroupStats",
    "GroupTest",
    "MetricComparison",
    "Overfit",
    "PairComparison",
    "Power",
    "RunValue",
    "Settled",
    "build_comparison",
]
