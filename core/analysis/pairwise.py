"""Two runs, one metric: alignment, final values, the old fixed-threshold divergence point
(still used by the app's compare pane until it switches to :mod:`curvelens.core.comparison`,
whose noise-aware rule ``compare`` uses) and the descriptive paired comparison.

Input convention: each run is a ``POINTS`` (or ``RUN_POINTS``) frame already filtered to one
metric of one run; only its ``step`` and ``value`` columns are read. Run ``a`` is the
reference: differences are ``b - a`` and ratios ``b / a`` (null where ``a`` is 0).
Non-finite values are kept as points and flagged (``finite`` is False), never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from curvelens.core.analysis.bootstrap import (
    DEFAULT_REPS,
    block_bootstrap_means,
    default_block_length,
    percentile_interval,
)

#: Default divergence threshold: 5 % relative gap (|b/a - 1| > 0.05), a gap well beyond
#: typical seed-to-seed noise of a smoothed loss, yet small enough to flag a real change.
DEFAULT_THRESHOLD = 0.05
#: Default number of consecutive aligned points beyond the threshold: 3, so a single
#: noisy eval (or two) does not count as a divergence.
DEFAULT_CONSECUTIVE = 3

GapMode = Literal["relative", "absolute"]


def series(points: pl.DataFrame) -> pl.DataFrame:
    """``step, value`` of one run's metric, sorted by step, last write winning on repeats."""
    if "metric" in points.columns and points.get_column("metric").n_unique() > 1:
        raise ValueError("expected the points of one metric; filter the frame first")
    return (
        points.select(pl.col("step").cast(pl.Float64), pl.col("value").cast(pl.Float64))
        .filter(pl.col("step").is_not_null())
        .unique(subset="step", keep="last", maintain_order=True)
        .sort("step")
    )


def _finite_flag() -> pl.Expr:
    """True where both aligned values are finite."""
    return (pl.col("a").is_finite() & pl.col("b").is_finite()).fill_null(False).alias("finite")


def align(a: pl.DataFrame, b: pl.DataFrame, interpolate: bool = False) -> pl.DataFrame:
    """Align two runs: columns ``step, a, b, finite``, sorted by step.

    Without ``interpolate`` only steps logged by both runs are kept (an eval metric only
    where both evaluated). With it, ``b`` is linearly interpolated onto ``a``'s steps inside
    the overlap of the two step ranges (a NaN neighbour makes the interpolated value NaN).
    """
    sa, sb = series(a), series(b)
    if not interpolate:
        joined = sa.rename({"value": "a"}).join(sb.rename({"value": "b"}), on="step")
        return joined.sort("step").with_columns(_finite_flag())
    if sa.is_empty() or sb.is_empty():
        return pl.DataFrame(
            schema={"step": pl.Float64, "a": pl.Float64, "b": pl.Float64, "finite": pl.Boolean}
        )
    xb, yb = sb.get_column("step").to_numpy(), sb.get_column("value").to_numpy()
    inside = sa.filter(pl.col("step").is_between(xb[0], xb[-1]))
    steps = inside.get_column("step").to_numpy()
    return pl.DataFrame(
        {"step": steps, "a": inside.get_column("value").to_numpy(), "b": np.interp(steps, xb, yb)}
    ).with_columns(_finite_flag())


@dataclass(frozen=True)
class FinalComparison:
    """Last finite value of each run (from its own series) and how they compare."""

    a_step: float | None
    """Step of ``a``'s last finite value; None when it has none."""
    a_value: float | None
    """``a``'s last finite value."""
    b_step: float | None
    """Step of ``b``'s last finite value; None when it has none."""
    b_value: float | None
    """``b``'s last finite value."""
    diff: float | None
    """``b_value - a_value``."""
    ratio: float | None
    """``b_value / a_value``; None when ``a_value`` is 0."""


def _last_finite(points: pl.DataFrame) -> tuple[float | None, float | None]:
    """(step, value) of the last finite point of a series, Nones when there is none."""
    finite = series(points).filter(pl.col("value").is_finite())
    if finite.is_empty():
        return None, None
    return float(finite["step"][-1]), float(finite["value"][-1])


def final_values(a: pl.DataFrame, b: pl.DataFrame) -> FinalComparison:
    """Compare the last finite value of each run (runs may end at different steps)."""
    a_step, a_value = _last_finite(a)
    b_step, b_value = _last_finite(b)
    diff = ratio = None
    if a_value is not None and b_value is not None:
        diff = b_value - a_value
        ratio = b_value / a_value if a_value != 0 else None
    return FinalComparison(a_step, a_value, b_step, b_value, diff, ratio)


@dataclass(frozen=True)
class Divergence:
    """Where two aligned curves start to separate, and the rule used to decide it."""

    a: str
    """Reference run name."""
    b: str
    """Compared run name."""
    step: float | None
    """First step of the first run of ``consecutive`` points beyond ``threshold``; None if
    the curves never separate that long."""
    threshold: float
    """Gap threshold: on ``|b/a - 1|`` (relative mode) or ``|b - a|`` (absolute mode)."""
    consecutive: int
    """How many consecutive aligned points must stay beyond the threshold."""
    mode: GapMode
    """``relative`` or ``absolute``."""
    gap: float | None = None
    """The gap at ``step`` (inf when exactly one of the two values is non-finite)."""

    def report_dict(self) -> dict[str, object]:
        """The ``divergence`` object of the compare report's JSON."""
        return {
            "a": self.a,
            "b": self.b,
            "step": self.step,
            "threshold": self.threshold,
            "consecutive": self.consecutive,
        }


def gaps(aligned: pl.DataFrame, mode: GapMode = "relative") -> np.ndarray:
    """Per aligned point: ``|b/a - 1|`` or ``|b - a|``.

    Both non-finite gives NaN (never beyond a threshold); exactly one non-finite gives inf
    (one run blew up); relative with ``a == 0`` gives 0 when ``b == 0`` too, else inf.
    """
    a = aligned.get_column("a").to_numpy().astype(np.float64)
    b = aligned.get_column("b").to_numpy().astype(np.float64)
    fa, fb = np.isfinite(a), np.isfinite(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.abs(b - a) if mode == "absolute" else np.abs(b - a) / np.abs(a)
    gap = np.where((a == 0) & (b == 0), 0.0, gap)
    gap = np.where(fa != fb, np.inf, gap)
    return np.where(~fa & ~fb, np.nan, gap)


def divergence(
    aligned: pl.DataFrame,
    *,
    a: str = "a",
    b: str = "b",
    threshold: float = DEFAULT_THRESHOLD,
    consecutive: int = DEFAULT_CONSECUTIVE,
    mode: GapMode = "relative",
) -> Divergence:
    """Find the first step from which the gap stays above ``threshold`` for ``consecutive``
    aligned points (strictly above; a streak cut short by the end of the data does not count).
    """
    gap = gaps(aligned, mode)
    beyond = np.nan_to_num(gap, nan=-np.inf) > threshold
    k = max(1, consecutive)
    step = None
    at = None
    if beyond.size >= k:
        windows = np.lib.stride_tricks.sliding_window_view(beyond, k).all(axis=1)
        if windows.any():
            i = int(np.argmax(windows))
            step, at = float(aligned["step"][i]), float(gap[i])
    return Divergence(a, b, step, threshold, k, mode, at)


#: Label carried by every :class:`PairedComparison`.
DESCRIPTIVE = (
    "descriptive only: points along one run are not independent samples, so the interval "
    "and p-value describe this pair of curves, not a population of runs"
)


@dataclass(frozen=True)
class PairedComparison:
    """Paired differences ``b - a`` over the aligned steps. DESCRIPTIVE, not inference:
    successive points of a curve are autocorrelated, not independent samples."""

    n: int
    """Aligned points where both values are finite (the ones used)."""
    mean_diff: float | None
    """Mean of ``b - a`` over those points."""
    mean_diff_ci: tuple[float, float] | None
    """Moving-block bootstrap percentile interval of ``mean_diff`` (needs n >= 2)."""
    block: int | None
    """Block length used by the moving-block bootstrap."""
    wilcoxon_stat: float | None
    """Wilcoxon signed-rank statistic (scipy); None when all differences are 0."""
    wilcoxon_p: float | None
    """Two-sided Wilcoxon p-value, descriptive only (see ``caveat``)."""
    level: float
    """Confidence level of ``mean_diff_ci``."""
    caveat: str = DESCRIPTIVE
    """Why these numbers are descriptive."""
    notes: tuple[str, ...] = ()
    """Why a statistic is missing."""


def _wilcoxon(diffs: np.ndarray, notes: list[str]) -> tuple[float | None, float | None]:
    """Wilcoxon signed-rank statistic and p, or Nones with a note when undefined."""
    if not np.any(diffs != 0):
        notes.append("wilcoxon: no non-zero difference")
        return None, None
    from scipy import stats

    res = stats.wilcoxon(diffs)
    return float(res.statistic), float(res.pvalue)


def paired_comparison(
    aligned: pl.DataFrame,
    *,
    rng: np.random.Generator,
    reps: int = DEFAULT_REPS,
    block: int | None = None,
    level: float = 0.95,
) -> PairedComparison:
    """Describe ``b - a`` over the finite aligned points of :func:`align` (never raises).

    ``block`` defaults to ``round(n ** (1/3))``; non-finite points are skipped, so a block
    may straddle such a gap.
    """
    used = aligned.filter(pl.col("finite"))
    diffs = (used.get_column("b") - used.get_column("a")).to_numpy().astype(np.float64)
    notes: list[str] = []
    if diffs.size == 0:
        notes.append("no aligned point where both values are finite")
        return PairedComparison(0, None, None, None, None, None, level, notes=tuple(notes))
    length = min(diffs.size, block if block is not None else default_block_length(diffs.size))
    ci = None
    if diffs.size >= 2:
        ci = percentile_interval(block_bootstrap_means(diffs, rng, reps, length), level)
    else:
        notes.append("mean difference interval: needs at least 2 aligned points")
    stat, p = _wilcoxon(diffs, notes)
    return PairedComparison(
        n=int(diffs.size),
        mean_diff=float(diffs.mean()),
        mean_diff_ci=ci,
        block=length,
        wilcoxon_stat=stat,
        wilcoxon_p=p,
        level=level,
        notes=tuple(notes),
    )
