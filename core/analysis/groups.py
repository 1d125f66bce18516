"""Groups of runs (seeds of one configuration): grouping, per-step bands, per-group summary.

Grouping works from run ids and params alone (see :func:`group_runs`). Per-step bands and
per-run scalars read a ``RUN_POINTS`` frame of one metric. Group names and orders are
deterministic: groups sorted by name, runs sorted within a group.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from curvelens.core.analysis.bootstrap import (
    DEFAULT_REPS,
    bootstrap,
    iqm,
    iqm_rows,
    percentile_interval,
)
from curvelens.core.analysis.effects import finite_values

#: Param keys (or last dotted component of a key) that hold a random seed.
DEFAULT_SEED_KEYS = ("seed", "random_seed", "rng_seed", "global_seed", "data_seed", "torch_seed")
#: The seed part of a run name: ``_seed3``, ``-seed-3``, ``seed_3``, ``/seed3``.
DEFAULT_NAME_PATTERN = r"[_-]?seed[_-]?\d+"
#: ``YYYYmmdd_HHMMSS`` timestamps (one or a resume chain of several) ending a name or path
#: component.
_TIMESTAMP = re.compile(r"(?:[_-]?\d{8}[_-]\d{6})+(?=/|$)")

ScalarAt = Literal["final", "best"] | float


def remove_seed(text: str, pattern: str = DEFAULT_NAME_PATTERN) -> str:
    """``text`` without the seed ``pattern`` (case-insensitive) and timestamps."""
    return _TIMESTAMP.sub("", re.sub(pattern, "", text, flags=re.IGNORECASE))


def strip_seed(name: str, pattern: str = DEFAULT_NAME_PATTERN) -> str:
    """Run id or name without its seed part and timestamps; ``"runs"`` if nothing is left."""
    return re.sub(r"/+", "/", remove_seed(name, pattern)).strip("/_-") or "runs"


def _is_seed_key(key: str, seed_keys: Sequence[str]) -> bool:
    """True when ``key`` or its last dotted component is one of ``seed_keys``."""
    low = key.lower()
    return low in seed_keys or low.rsplit(".", 1)[-1] in seed_keys


def _config_key(params: Mapping[str, object], seed_keys: Sequence[str]) -> dict[str, str]:
    """Non-seed params as strings, with seed parts and timestamps removed from the values
    (so an ``output_dir`` naming the seed does not split a group)."""
    return {
        k: remove_seed(str(v)) for k, v in sorted(params.items()) if not _is_seed_key(k, seed_keys)
    }


def _label(config: dict[str, str], varying: Sequence[str]) -> str:
    """``k=v, ...`` over the keys that differ between groups."""
    return ", ".join(f"{k}={config.get(k, '<missing>')}" for k in varying)


def _common_prefix(names: Sequence[str]) -> str:
    """Longest common leading substring of ``names``."""
    first, last = min(names), max(names)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    return first[:i]


def _name_by_params(
    members: dict[str, list[str]], configs: dict[str, dict[str, str]]
) -> dict[str, list[str]]:
    """Name config groups by their common run-name stem, else by the params that vary."""
    stems = {key: {strip_seed(r) for r in runs} for key, runs in members.items()}
    if all(len(s) == 1 for s in stems.values()) and len(
        {next(iter(s)) for s in stems.values()}
    ) == len(stems):
        return {next(iter(stems[key])): runs for key, runs in members.items()}
    keys = sorted({k for c in configs.values() for k in c})
    varying = [k for k in keys if len({c.get(k) for c in configs.values()}) > 1]
    named: dict[str, list[str]] = {}
    for key in sorted(members, key=lambda k: _label(configs[k], varying)):
        common = _common_prefix([strip_seed(r) for r in members[key]]).strip("/_-")
        base = _label(configs[key], varying) or common or "runs"
        name, i = base, 2
        while name in named:
            name, i = f"{base} #{i}", i + 1
        named[name] = members[key]
    return named


def group_runs(
    runs: Mapping[str, Mapping[str, object]],
    seed_keys: Sequence[str] = DEFAULT_SEED_KEYS,
    by: str | None = None,
    name_pattern: str | None = None,
) -> dict[str, list[str]]:
    """Group run ids (-> params) into seed groups: group name -> sorted run ids.

    ``by``: one group per value of that param (``"lr=0.1"``; ``"lr=<missing>"``).
    ``name_pattern``: by run id with that regex and trailing timestamps removed.
    Neither: runs whose params differ only in a seed key go together, when any run has a
    seed param; otherwise by run id with :data:`DEFAULT_NAME_PATTERN` removed.
    """
    lowered = [s.lower() for s in seed_keys]
    has_seed = any(_is_seed_key(k, lowered) for p in runs.values() for k in p)
    members: dict[str, list[str]] = {}
    configs: dict[str, dict[str, str]] = {}
    for run in sorted(runs):
        params = runs[run]
        if by is not None:
            key = f"{by}={params[by]}" if by in params else f"{by}=<missing>"
        elif name_pattern is not None or not has_seed:
            key = strip_seed(run, name_pattern or DEFAULT_NAME_PATTERN)
        else:
            config = _config_key(params, lowered)
            key = json.dumps(config, sort_keys=True)
            configs[key] = config
        members.setdefault(key, []).append(run)
    named = _name_by_params(members, configs) if configs else members
    return {name: named[name] for name in sorted(named)}


def _one_metric(points: pl.DataFrame, metric: str | None) -> pl.DataFrame:
    """``run, step, value`` of one metric, one row per (run, step), the last write winning."""
    if metric is not None:
        points = points.filter(pl.col("metric") == metric)
    elif "metric" in points.columns and points.get_column("metric").n_unique() > 1:
        raise ValueError("expected the points of one metric; pass metric= or filter first")
    return points.select("run", "step", "value").unique(
        subset=["run", "step"], keep="last", maintain_order=True
    )


def mean_by_step(points: pl.DataFrame) -> pl.DataFrame:
    """``step, value``: per step, the mean of the finite values of ``points`` (any runs of
    one metric), NaN where none is finite; sorted by step. A group's mean curve."""
    finite = pl.col("value").is_finite().fill_null(False)
    return (
        points.group_by("step")
        .agg(
            pl.when(finite.any())
            .then(pl.col("value").filter(finite).mean())
            .otherwise(float("nan"))
            .alias("value")
        )
        .sort("step")
    )


def group_curves(
    points: pl.DataFrame,
    groups: Mapping[str, Sequence[str]],
    metric: str | None = None,
    level: float = 0.95,
) -> pl.DataFrame:
    """Per group and step, over the runs that logged a finite value there (plot bands).

    Columns ``group, step, count, mean, std, ci_low, ci_high, iqm``, sorted by group, step.
    The interval is Student-t on the mean (``mean +- t * std / sqrt(count)``); ``std`` and the
    interval are null when ``count`` is 1. ``points`` is ``RUN_POINTS``.
    """
    membership = pl.DataFrame(
        [(g, r) for g, runs in groups.items() for r in runs],
        schema={"group": pl.String, "run": pl.String},
        orient="row",
    )
    data = (
        _one_metric(points, metric).filter(pl.col("value").is_finite()).join(membership, on="run")
    )
    keys = ["group", "step"]
    ranked = data.with_columns(
        (pl.col("value").rank("ordinal").over(keys) - 1).alias("_rank"),
        (pl.len().over(keys) // 4).alias("_cut"),
    )
    middle = (pl.col("_rank") >= pl.col("_cut")) & (
        pl.col("_rank") < pl.len().cast(pl.Int64) - pl.col("_cut")
    )
    stats = ranked.group_by(keys).agg(
        pl.len().alias("count"),
        pl.col("value").mean().alias("mean"),
        pl.col("value").std(ddof=1).alias("std"),
        pl.col("value").filter(middle).mean().alias("iqm"),
    )
    return _with_t_interval(stats, level).sort(keys)


def _with_t_interval(stats: pl.DataFrame, level: float) -> pl.DataFrame:
    """Add ``ci_low, ci_high``: Student-t interval of the mean, null when count < 2."""
    from scipy import stats as st

    count = stats.get_column("count").to_numpy().astype(np.float64)
    with np.errstate(invalid="ignore"):
        t = np.where(count > 1, st.t.ppf(0.5 + level / 2.0, np.maximum(count - 1, 1)), np.nan)
    half = (
        pl.Series("t", t, dtype=pl.Float64).fill_nan(None) * pl.col("std") / pl.col("count").sqrt()
    )
    return stats.with_columns(
        (pl.col("mean") - half).alias("ci_low"), (pl.col("mean") + half).alias("ci_high")
    ).select("group", "step", "count", "mean", "std", "ci_low", "ci_high", "iqm")


def run_values(
    points: pl.DataFrame,
    at: ScalarAt = "final",
    higher_is_better: bool = True,
    metric: str | None = None,
) -> dict[str, float]:
    """One scalar per run of a ``RUN_POINTS`` frame: ``final`` (last finite value), ``best``
    (by direction) or the value at step ``at``; NaN for a run with no finite value there."""
    data = _one_metric(points, metric)
    finite = data.filter(pl.col("value").is_finite())
    if at == "final":
        picked = finite.sort("step").group_by("run").agg(pl.col("value").last())
    elif at == "best":
        best = pl.col("value").max() if higher_is_better else pl.col("value").min()
        picked = finite.group_by("run").agg(best)
    else:
        picked = data.filter(pl.col("step") == float(at)).select("run", "value")
    values = dict(zip(picked["run"].to_list(), picked["value"].to_list(), strict=True))
    return {run: float(values.get(run, math.nan)) for run in sorted(data["run"].unique())}


@dataclass(frozen=True)
class GroupSummary:
    """One group's per-run scalars (final values by default) in a few numbers."""

    name: str
    """Group name (see :func:`group_runs`)."""
    runs: tuple[str, ...]
    """Every run id of the group, including runs left out for a non-finite value."""
    n: int
    """Runs with a finite value (the ones used)."""
    final_mean: float | None
    """Mean of the per-run values."""
    final_std: float | None
    """Sample standard deviation (ddof=1); None with fewer than 2 runs."""
    iqm: float | None
    """Interquartile mean (rliable's IQM: 25 % trimmed mean)."""
    iqm_ci: tuple[float, float] | None
    """Percentile bootstrap interval of the IQM over runs; None with fewer than 2 runs."""
    level: float
    """Confidence level of ``iqm_ci``."""
    notes: tuple[str, ...] = ()
    """Why a statistic is missing, and which runs were left out."""

    def report_dict(self) -> dict[str, object]:
        """The ``groups[]`` object of the compare report's JSON."""
        return {
            "name": self.name,
            "runs": list(self.runs),
            "final_mean": self.final_mean,
            "final_std": self.final_std,
            "iqm": self.iqm,
            "iqm_ci": list(self.iqm_ci) if self.iqm_ci is not None else None,
        }


def summarize_group(
    name: str,
    values: Mapping[str, float],
    *,
    rng: np.random.Generator,
    reps: int = DEFAULT_REPS,
    level: float = 0.95,
) -> GroupSummary:
    """Mean, std, IQM and IQM interval of one group's per-run values (never raises)."""
    x, dropped = finite_values(values)
    notes = [f"dropped non-finite values of {', '.join(dropped)}"] if dropped else []
    if x.size < 2:
        notes.append(f"{x.size} run(s) with a finite value: no spread or interval")
    ci = percentile_interval(bootstrap(x, iqm_rows, rng, reps), level) if x.size >= 2 else None
    return GroupSummary(
        name=name,
        runs=tuple(sorted(values)),
        n=int(x.size),
        final_mean=float(x.mean()) if x.size else None,
        final_std=float(x.std(ddof=1)) if x.size >= 2 else None,
        iqm=iqm(x) if x.size else None,
        iqm_ci=ci,
        level=level,
        notes=tuple(notes),
    )
