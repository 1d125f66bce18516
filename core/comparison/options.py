"""The knobs of a comparison: where runs are compared, directions, grouping, resampling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

#: Where runs are compared: ``common`` (last step every compared run logged), ``last``
#: (each run's own last finite value), ``best`` (best value up to the common horizon) or a step.
At = Literal["common", "last", "best"] | float

#: Default number of bootstrap resamples (one generator per metric, see ``metric_rng``).
DEFAULT_REPS = 4_000
#: Aligned points the gap must stay beyond the noise for a divergence point.
DEFAULT_PERSIST = 5


@dataclass(frozen=True)
class CompareOptions:
    """Everything :func:`~curvelens.core.comparison.build_comparison` may be told."""

    at: At = "common"
    """Where runs are compared on each metric (see :data:`At`)."""
    metrics: str | None = None
    """Regex: only metrics it matches (``re.search``); None = every metric."""
    higher: str | None = None
    """Regex: metrics it matches are higher-is-better (overrides name and trend)."""
    lower: str | None = None
    """Regex: metrics it matches are lower-is-better (overrides name and trend; wins over
    ``higher`` when both match)."""
    group_by: str | None = None
    """Group runs by this param instead of forming seed groups."""
    no_group: bool = False
    """Every run on its own."""
    groups: Mapping[str, Sequence[str]] | None = None
    """Explicit groups (group name -> run ids); overrides ``group_by`` and seed grouping."""
    reference: str | None = None
    """Run id whose group is the reference; default: the group of the first run."""
    seed: int = 0
    """Root seed; each metric's generator is derived from it and the metric name."""
    reps: int = DEFAULT_REPS
    """Bootstrap resamples per interval."""
    level: float = 0.95
    """Confidence level of every interval."""
    test_all: bool = False
    """Run group tests on every metric, not only performance metrics."""
    smoothed: float | None = None
    """EMA weight of an explicitly smoothed comparison (labelled in every output); None =
    raw values, the default and the only input of the statistics otherwise."""
    persist: int = DEFAULT_PERSIST
    """Divergence: aligned points in a row the gap must stay beyond the noise."""
    progression_rows: int = 10
    """Rows kept in each step-by-step progression table."""
    anomalies: bool = True
    """Scan runs for anomalies, overfitting and convergence (the health sections)."""
