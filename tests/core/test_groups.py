"""Seed groups: seed stripping, the engine's grouping rules, a group's mean curve."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl

from curvelens.core.analysis.groups import mean_by_step, strip_seed
from curvelens.core.comparison.seedgroups import Grouping, Member, group_members

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


def test_strip_seed_removes_seed_and_timestamps() -> None:
    assert strip_seed("gpt2_lr3e-4_seed42_20251020_033212") == "gpt2_lr3e-4"
    assert strip_seed("sweep/lr0.1/seed_3") == "sweep/lr0.1"
    assert strip_seed("baseline-SEED-7") == "baseline"
    assert strip_seed("seed1") == "runs"


def members(runs: dict[str, dict[str, object]]) -> list[Member]:
    """Members named by their run id, in the given order."""
    return [Member(run, run, params) for run, params in runs.items()]


def memberships(grouping: Grouping) -> list[list[str]]:
    """The groups' run ids, sorted (names and order are the engine's concern)."""
    return sorted(sorted(runs) for runs in grouping.groups.values())


def test_groups_by_params_differing_only_in_seed() -> None:
    runs: dict[str, dict[str, object]] = {
        "exp/a_s1": {"lr": 0.1, "seed": 1, "out": "ckpt/lr0.1_seed1_20250101_101010"},
        "exp/a_s2": {"lr": 0.1, "seed": 2, "out": "ckpt/lr0.1_seed2_20250101_121010"},
        "exp/b_s1": {"lr": 0.2, "train.seed": 1},
        "exp/b_s2": {"lr": 0.2, "train.seed": 2},
        "exp/c": {"lr": 0.2, "train.seed": 1, "bs": 64},
    }
    assert memberships(group_members(members(runs))) == [
        ["exp/a_s1", "exp/a_s2"],
        ["exp/b_s1", "exp/b_s2"],
        ["exp/c"],
    ]


def test_groups_by_name_when_no_run_has_params() -> None:
    runs: dict[str, dict[str, object]] = {
        "exp/base_seed1_20251020_033212": {},
        "exp/base_seed2_20251021_101500": {},
        "exp/new-seed-1": {},
    }
    grouping = group_members(members(runs))
    assert memberships(grouping) == [
        ["exp/base_seed1_20251020_033212", "exp/base_seed2_20251021_101500"],
        ["exp/new-seed-1"],
    ]
    assert "exp/base" in grouping.groups


def test_real_run_names_group_a_resume_chain_and_keep_configs_apart() -> None:
    # Each resume of cond0-60 made a new dir by appending one more timestamp.
    names = sorted(p.name for p in EXPERIMENTS.iterdir() if p.is_dir())
    groups = group_members(members({name: {} for name in names})).groups
    chain = groups["cond0-60_max_block_rope_gpt2_conditional"]
    assert len(chain) == 4 and all(n.startswith("cond0-60_max_block") for n in chain)
    assert len(groups) == len(names) - 3  # every other run keeps its own group


def test_groups_by_chosen_param() -> None:
    runs: dict[str, dict[str, object]] = {
        "a": {"opt": "adam", "lr": 1},
        "b": {"opt": "sgd"},
        "c": {"opt": "adam"},
        "d": {},
    }
    assert group_members(members(runs), by="opt").groups == {
        "opt=adam": ["a", "c"],
        "opt=sgd": ["b"],
        "opt=<missing>": ["d"],
    }


def test_mean_by_step_averages_finite_values_and_marks_empty_steps_nan() -> None:
    points = pl.DataFrame(
        {"step": [2.0, 1.0, 1.0, 2.0, 3.0], "value": [4.0, 1.0, 3.0, float("nan"), float("inf")]}
    )
    out = mean_by_step(points)
    assert out.get_column("step").to_list() == [1.0, 2.0, 3.0]
    values = out.get_column("value").to_list()
    assert values[:2] == [2.0, 4.0] and math.isnan(values[2])
