"""Seed groups: grouping rules, per-step bands, per-run scalars and group summaries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from curvelens.core.analysis.groups import (
    group_curves,
    group_runs,
    run_values,
    strip_seed,
    summarize_group,
)

NAN = float("nan")
ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = (
    ROOT.parent
    / "shared"
    / "fixtures"
    / "real"
    / "custom_experiments"
    / "Yinhan-Lu__Arbitrary-Probability-Model"
    / "experiments"
)


def run_points(rows: Sequence[tuple[str, float, float]], metric: str = "loss") -> pl.DataFrame:
    """A RUN_POINTS frame from (run, step, value) rows."""
    runs, steps, values = zip(*rows, strict=True)
    return pl.DataFrame(
        {
            "run": list(runs),
            "metric": [metric] * len(rows),
            "step": list(steps),
            "value": list(values),
            "wall_time": [None] * len(rows),
        },
        schema={
            "run": pl.String,
            "metric": pl.String,
            "step": pl.Float64,
            "value": pl.Float64,
            "wall_time": pl.Float64,
        },
    )


def test_strip_seed_removes_seed_and_timestamps() -> None:
    assert strip_seed("gpt2_lr3e-4_seed42_20251020_033212") == "gpt2_lr3e-4"
    assert strip_seed("sweep/lr0.1/seed_3") == "sweep/lr0.1"
    assert strip_seed("baseline-SEED-7") == "baseline"
    assert strip_seed("seed1") == "runs"


def test_groups_by_params_differing_only_in_seed() -> None:
    runs: dict[str, dict[str, object]] = {
        "exp/a_s1": {"lr": 0.1, "seed": 1, "out": "ckpt/lr0.1_seed1_20250101_101010"},
        "exp/a_s2": {"lr": 0.1, "seed": 2, "out": "ckpt/lr0.1_seed2_20250101_121010"},
        "exp/b_s1": {"lr": 0.2, "train.seed": 1},
        "exp/b_s2": {"lr": 0.2, "train.seed": 2},
        "exp/c": {"lr": 0.2, "train.seed": 1, "bs": 64},
    }
    groups = group_runs(runs)
    # run names carry no seed, so groups are named by the params that vary between them
    assert groups == {
        "bs=64, lr=0.2, out=<missing>": ["exp/c"],
        "bs=<missing>, lr=0.1, out=ckpt/lr0.1": ["exp/a_s1", "exp/a_s2"],
        "bs=<missing>, lr=0.2, out=<missing>": ["exp/b_s1", "exp/b_s2"],
    }


def test_param_groups_are_named_by_run_stem_when_names_carry_the_seed() -> None:
    runs = {
        "lr0.1_seed2": {"lr": 0.1, "seed": 2},
        "lr0.1_seed1": {"lr": 0.1, "seed": 1},
        "lr0.2_seed1": {"lr": 0.2, "seed": 1},
    }
    assert group_runs(runs) == {"lr0.1": ["lr0.1_seed1", "lr0.1_seed2"], "lr0.2": ["lr0.2_seed1"]}


def test_grouping_is_deterministic_under_input_order() -> None:
    runs = {f"r{i}": {"lr": i % 3, "seed": i} for i in range(12)}
    shuffled = dict(reversed(list(runs.items())))
    assert list(group_runs(runs).items()) == list(group_runs(shuffled).items())


def test_groups_by_name_when_no_run_has_a_seed_param() -> None:
    runs = {
        "exp/base_seed1_20251020_033212": {"lr": 0.1},
        "exp/base_seed2_20251021_101500": {"lr": 0.1},
        "exp/new-seed-1": {},
    }
    assert group_runs(runs) == {
        "exp/base": ["exp/base_seed1_20251020_033212", "exp/base_seed2_20251021_101500"],
        "exp/new": ["exp/new-seed-1"],
    }


def test_real_run_names_group_a_resume_chain_and_keep_configs_apart() -> None:
    # Each resume of cond0-60 made a new dir by appending one more timestamp.
    names = sorted(p.name for p in EXPERIMENTS.iterdir() if p.is_dir())
    groups = group_runs({name: {} for name in names})
    chain = groups["cond0-60_max_block_rope_gpt2_conditional"]
    assert len(chain) == 4 and all(n.startswith("cond0-60_max_block") for n in chain)
    assert len(groups) == len(names) - 3
    assert "cond0-20_max_block_rope_distilgpt2_conditional" in groups
    assert "distilgpt2_wikipedia_full" in groups


def test_groups_by_custom_name_pattern() -> None:
    runs = {"ppo_r1": {"seed": 1}, "ppo_r2": {"seed": 2}, "sac_r1": {"seed": 1}}
    assert group_runs(runs, name_pattern=r"_r\d+$") == {
        "ppo": ["ppo_r1", "ppo_r2"],
        "sac": ["sac_r1"],
    }


def test_groups_by_chosen_param() -> None:
    runs: dict[str, dict[str, object]] = {
        "a": {"opt": "adam", "lr": 1},
        "b": {"opt": "sgd"},
        "c": {"opt": "adam"},
        "d": {},
    }
    assert group_runs(runs, by="opt") == {
        "opt=<missing>": ["d"],
        "opt=adam": ["a", "c"],
        "opt=sgd": ["b"],
    }


def test_group_curves_per_step_statistics_by_hand() -> None:
    rows = [("r1", 0, 1.0), ("r2", 0, 2.0), ("r3", 0, 6.0), ("r1", 10, 4.0), ("r4", 0, 100.0)]
    frame = group_curves(run_points(rows), {"g": ["r1", "r2", "r3"], "h": ["r4"]})
    assert frame.columns == ["group", "step", "count", "mean", "std", "ci_low", "ci_high", "iqm"]
    g0 = frame.row(0, named=True)
    assert (g0["group"], g0["step"], g0["count"]) == ("g", 0.0, 3)
    assert g0["mean"] == pytest.approx(3.0)
    assert g0["std"] == pytest.approx(math.sqrt(7.0))  # ((-2)^2 + (-1)^2 + 3^2) / 2
    half = stats.t.ppf(0.975, 2) * math.sqrt(7.0) / math.sqrt(3.0)
    assert (g0["ci_low"], g0["ci_high"]) == pytest.approx((3.0 - half, 3.0 + half))
    assert g0["iqm"] == pytest.approx(3.0)  # n = 3: nothing trimmed
    # step 10 was logged by one run only: no spread, no interval
    g10 = frame.row(1, named=True)
    assert (g10["count"], g10["mean"], g10["std"], g10["ci_low"]) == (1, 4.0, None, None)
    assert frame.row(2, named=True)["group"] == "h"


def test_group_curves_iqm_of_eight_runs_and_nan_excluded() -> None:
    rows = [(f"r{i}", 5.0, float(i)) for i in range(1, 9)] + [("r9", 5.0, NAN)]
    frame = group_curves(run_points(rows), {"g": [f"r{i}" for i in range(1, 10)]})
    row = frame.row(0, named=True)
    assert row["count"] == 8
    assert row["iqm"] == pytest.approx(4.5)
    assert row["mean"] == pytest.approx(4.5)


def test_group_curves_filters_metric_and_rejects_mixed_metrics() -> None:
    mixed = pl.concat([run_points([("r1", 0, 1.0)]), run_points([("r1", 0, 9.0)], "acc")])
    frame = group_curves(mixed, {"g": ["r1"]}, metric="acc")
    assert frame["mean"].to_list() == [9.0]
    with pytest.raises(ValueError, match="one metric"):
        group_curves(mixed, {"g": ["r1"]})


def test_run_values_final_best_and_step() -> None:
    rows = [
        ("r1", 0, 5.0),
        ("r1", 10, 2.0),
        ("r1", 20, 3.0),
        ("r2", 0, 4.0),
        ("r2", 10, 1.0),
        ("r2", 20, NAN),
        ("r3", 0, NAN),
    ]
    pts = run_points(rows)
    final = run_values(pts)
    assert final["r1"] == 3.0 and final["r2"] == 1.0 and math.isnan(final["r3"])
    assert run_values(pts, "best", higher_is_better=False) == pytest.approx(
        {"r1": 2.0, "r2": 1.0, "r3": NAN}, nan_ok=True
    )
    assert run_values(pts, "best")["r1"] == 5.0
    at = run_values(pts, 20)
    assert at["r1"] == 3.0 and math.isnan(at["r2"]) and math.isnan(at["r3"])


def test_summarize_group_by_hand() -> None:
    values = {f"r{i}": float(i) for i in range(1, 9)}
    summary = summarize_group("g", values, rng=np.random.default_rng(0), reps=2000)
    assert summary.runs == tuple(sorted(values))
    assert summary.final_mean == pytest.approx(4.5)
    assert summary.final_std == pytest.approx(np.std(np.arange(1, 9), ddof=1))
    assert summary.iqm == pytest.approx(4.5)
    assert summary.iqm_ci is not None and summary.iqm_ci[0] < 4.5 < summary.iqm_ci[1]
    assert set(summary.report_dict()) == {
        "name", "runs", "final_mean", "final_std", "iqm", "iqm_ci",
    }  # fmt: skip


def test_summarize_group_iqm_ci_contains_true_value_and_is_reproducible() -> None:
    gen = np.random.default_rng(17)
    values = {f"s{i}": v for i, v in enumerate(gen.normal(2.0, 0.3, size=20))}
    one = summarize_group("g", values, rng=np.random.default_rng(1))
    two = summarize_group("g", values, rng=np.random.default_rng(1))
    assert one == two
    assert one.iqm_ci is not None and one.iqm_ci[0] < 2.0 < one.iqm_ci[1]


def test_summarize_group_small_and_nan() -> None:
    single = summarize_group("g", {"a": 1.5, "b": NAN}, rng=np.random.default_rng(0))
    assert single.runs == ("a", "b") and single.n == 1
    assert single.final_mean == 1.5 and single.iqm == 1.5
    assert single.final_std is None and single.iqm_ci is None
    assert any("b" in note for note in single.notes)
    empty = summarize_group("g", {"a": NAN}, rng=np.random.default_rng(0))
    assert empty.final_mean is None and empty.iqm is None and empty.n == 0


def test_mean_by_step_averages_finite_values_and_marks_empty_steps_nan() -> None:
    from curvelens.core.analysis.groups import mean_by_step

    points = pl.DataFrame(
        {"step": [2.0, 1.0, 1.0, 2.0, 3.0], "value": [4.0, 1.0, 3.0, float("nan"), float("inf")]}
    )
    out = mean_by_step(points)
    assert out.get_column("step").to_list() == [1.0, 2.0, 3.0]
    values = out.get_column("value").to_list()
    assert values[:2] == [2.0, 4.0] and math.isnan(values[2])
