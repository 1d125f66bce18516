"""What a metric measures: performance, or a schedule, counter, timer, throughput, diagnostic.

Rules, in order (tokens as in :mod:`.direction`, plus pairs of adjacent tokens joined by ``_``):

1. ``throughput``: a token or pair in :data:`THROUGHPUT` (``samples_per_second``, ``fps``).
2. ``timer``: :data:`TIMERS` (``runtime``, ``time``, ``duration``, ``elapsed``).
3. ``schedule``: :data:`SCHEDULES` (``lr``, ``learning_rate``, ``momentum``, ``warmup``).
4. ``performance``: the name measures a known quantity (loss, accuracy, reward ...).
5. ``counter``: :data:`COUNTERS` (``epoch``, ``step``, ``global_step``, ``num_tokens``).
6. ``diagnostic``: gradient and parameter norms (:data:`DIAGNOSTICS`).
7. ``counter`` by data: every given curve has at least 3 finite points and never decreases,
   and at least one rises (a wall-clock or sample counter under any name).
8. otherwise ``performance`` (an unknown metric whose direction comes from its trend).

Only ``performance`` metrics get group tests by default; schedules, counters, timers and
throughput are never scanned for spikes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from curvelens.core.analysis.direction import quantity, tokens

THROUGHPUT = frozenset(
    {"per_second", "per_sec", "throughput", "fps", "sps", "it_s", "tokens_per", "samples_per"}
)
TIMERS = frozenset(
    {"time", "timestamp", "runtime", "duration", "elapsed", "walltime", "wall_time", "seconds"}
)
SCHEDULES = frozenset(
    {"lr", "learning_rate", "momentum", "warmup", "weight_decay", "beta1", "beta2", "schedule"}
)
COUNTERS = frozenset(
    {"epoch", "epochs", "step", "steps", "global_step", "iteration", "iter", "num_tokens"}
    | {"total_flos", "flos", "samples", "num_samples", "examples", "timesteps", "episodes"}
)
DIAGNOSTICS = frozenset(
    {"gnorm", "gradnorm", "grad_norm", "gradient_norm", "param_norm", "weight_norm", "grad"}
)
#: Kinds that are never scanned for spikes and not tested by default.
NOT_SCANNED = frozenset({"throughput", "timer", "schedule", "counter"})

Curve = tuple[np.ndarray, np.ndarray]


def names(metric: str) -> set[str]:
    """A metric's tokens and its pairs of adjacent tokens joined by ``_``."""
    parts = tokens(metric)
    return set(parts) | {"_".join(parts[i : i + 2]) for i in range(len(parts) - 1)}


def _monotone_counter(curves: Sequence[Curve]) -> bool:
    """Every curve has >= 3 finite points and never decreases; at least one rises."""
    rises = False
    for _, values in curves:
        v = values[np.isfinite(values)]
        if v.size < 3 or np.any(np.diff(v) < 0):
            return False
        rises = rises or bool(v[-1] > v[0])
    return rises and bool(curves)


def metric_kind(metric: str, curves: Sequence[Curve] = ()) -> str:
    """The kind of ``metric`` by the rules of the module docstring (``curves``: its runs)."""
    found = names(metric)
    for kind, table in (("throughput", THROUGHPUT), ("timer", TIMERS), ("schedule", SCHEDULES)):
        if found & table:
            return kind
    if quantity(metric) is not None:
        return "performance"
    if found & COUNTERS:
        return "counter"
    if found & DIAGNOSTICS:
        return "diagnostic"
    return "counter" if _monotone_counter(curves) else "performance"
