"""The comparison engine on synthetic runs whose answers are known."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from scipy import stats

from curvelens.core.comparison import CompareOptions, build_comparison
from tests.core.comparison_helpers import run, seed_runs

FAST = {"reps": 500, "anomalies": False}


def compare(runs, **options):
    return build_comparison(runs, CompareOptions(**{**FAST, **options}))


def test_runs_are_compared_at_the_common_horizon():
    short = run("a_seed0", {"loss": ([0, 50, 100, 110], [5, 3, 2, 1.9])}, {"cfg": "a", "seed": 0})
    long_ = run("a_seed1", {"loss": ([0, 50, 100, 190], [5, 3, 2.2, 1.0])}, {"cfg": "a", "seed": 1})
    b = run("b_seed0", {"loss": ([0, 55, 105, 190], [5, 3, 2, 1.5])}, {"cfg": "b", "seed": 0})
    c = compare([short, long_, b])
    m = c.metric("loss")
    assert m is not None and m.step == 110 and m.at == "common"
    values = {r.run: r.value for r in m.runs}
    assert values["a_seed0"] == 1.9
    assert values["a_seed1"] == pytest.approx(2.2 + (1.0 - 2.2) * 10 / 90)  # interpolated
    assert values["b_seed0"] == pytest.approx(2.0 + (1.5 - 2.0) * 5 / 85)
    assert {r.run: r.last_step for r in m.runs} == {"a_seed0": 110, "a_seed1": 190, "b_seed0": 190}
    assert any("end at different steps (110 to 190)" in n for n in m.notes)
    last = compare([short, long_, b], at="last").metric("loss")
    assert last is not None and {r.run: r.value for r in last.runs}["a_seed1"] == 1.0


def test_a_run_that_turns_nan_is_a_failure_never_scored():
    good = seed_runs("a", [0, 1, 2], 1.0)
    bad = seed_runs("a", [3], 1.0)[0]
    values = bad.points.get_column("value").to_numpy().copy()
    values[30:] = np.nan
    bad = type(bad)(bad.ref, bad.points.with_columns(value=values), bad.params)
    c = compare([*good, bad, *seed_runs("b", [0, 1, 2], 0.8)])
    m = c.metric("eval_loss")
    line = next(r for r in m.runs if r.run == "a_seed3")
    assert line.value is None and line.diverged_step == 31 and line.last_step == 30
    group = next(g for g in m.groups if g.name.startswith("a"))
    assert (group.n, group.diverged, group.n_used) == (4, 1, 3)
    assert m.step == 50  # the diverged run does not cut the horizon
    assert any("1 of 4 runs diverged" in h for h in c.headline)
    scored = [r.value for r in m.runs if r.group == group.name and r.value is not None]
    assert group.mean == pytest.approx(np.mean(scored))


def test_an_explosion_that_never_comes_back_is_a_divergence():
    x = np.arange(100.0)
    y = np.where(x < 60, 2.0 - x / 100, 50.0 + x)
    c = compare([run("r", {"train_loss": (x, y)}), run("s", {"train_loss": (x, 2 - x / 100)})])
    line = c.metric("train_loss").runs[0]
    assert line.diverged_step == 60 and "exploded" in line.diverged_reason
    spike = np.where(x == 60, 50.0, 2.0 - x / 100)  # comes back: not a divergence
    c = compare([run("r", {"train_loss": (x, spike)}), run("s", {"train_loss": (x, 2 - x / 100)})])
    assert c.metric("train_loss").runs[0].diverged_step is None


def test_group_tests_use_the_compared_values_and_agree_with_scipy():
    a, b = seed_runs("a", [0, 1, 2, 3], 1.0), seed_runs("b", [0, 1, 2, 3], 0.9)
    c = compare([*a, *b])
    m = c.metric("eval_loss")
    (pair,) = m.pairs
    t = pair.test
    xa = [r.value for r in m.runs if r.group == pair.a]
    xb = [r.value for r in m.runs if r.group == pair.b]
    ref = stats.ttest_ind(xb, xa, equal_var=False)
    assert t.welch_p == pytest.approx(ref.pvalue) and t.p_holm == pytest.approx(ref.pvalue)
    assert t.mannwhitney_p == pytest.approx(stats.mannwhitneyu(xb, xa, method="exact").pvalue)
    assert t.prob_improvement == 1.0 and t.n_a == 4 and not t.ci_reliable
    assert t.power is not None and t.power.detectable_g > 0
    assert any("better on 1 of 1" in h for h in c.headline)


def test_groups_of_one_get_no_tests_and_two_runs_are_descriptive():
    c = compare([*seed_runs("a", [0], 1.0), *seed_runs("b", [0], 0.9)])
    (pair,) = c.metric("eval_loss").pairs
    assert pair.test is None and pair.paired is not None
    assert any("groups of one" in n for n in pair.notes)
    assert "descriptive only" in c.headline[0]


def test_constant_metric_is_undefined_not_significant():
    x = np.arange(10.0)
    runs = [
        run(f"{cfg}_seed{s}", {"eval_acc": (x, np.full(10, 0.5))}, {"cfg": cfg, "seed": s})
        for cfg in ("a", "b") for s in range(3)
    ]  # fmt: skip
    t = compare(runs).metric("eval_acc").pairs[0].test
    assert t.welch_p is None and t.mannwhitney_p is None and t.hedges_g is None
    assert any("zero variance" in n for n in t.notes)


def test_intervals_do_not_depend_on_which_metrics_are_selected():
    both = [
        run(f"{cfg}_seed{s}", {
            "eval_loss": (np.arange(5.0), 1 + np.random.default_rng(s + 9 * i).random(5)),
            "eval_acc": (np.arange(5.0), np.random.default_rng(s + 7 * i).random(5)),
        }, {"cfg": cfg, "seed": s})
        for i, cfg in enumerate(("a", "b")) for s in range(3)
    ]  # fmt: skip
    alone = compare(both, metrics="loss").metric("eval_loss").pairs[0].test
    together = compare(both).metric("eval_loss").pairs[0].test
    assert alone.iqm_diff_ci == together.iqm_diff_ci
    assert alone.prob_improvement_ci == together.prob_improvement_ci
    assert together.p_holm == pytest.approx(min(1.0, 2 * together.welch_p), rel=1e-9) or (
        together.p_holm >= together.welch_p
    )


def test_holm_adjusts_across_the_tested_metrics_only():
    x = np.arange(20.0)
    runs = []
    for i, cfg in enumerate(("a", "b")):
        for s in range(3):
            rng = np.random.default_rng(10 * i + s)
            runs.append(run(f"{cfg}_seed{s}", {
                "eval_loss": (x, 2 - x / 20 - 0.3 * i + rng.normal(0, 0.05, 20)),
                "eval_acc": (x, 0.5 + x / 40 + 0.1 * i + rng.normal(0, 0.02, 20)),
                "learning_rate": (x, np.full(20, 1e-3 * (i + 1))),
            }, {"cfg": cfg, "seed": s}))  # fmt: skip
    c = compare(runs)
    tests = {m.metric: m.pairs[0].test for m in c.metrics}
    assert tests["learning_rate"] is None and not c.metric("learning_rate").performance
    ps = sorted(t.welch_p for t in tests.values() if t is not None)
    assert sorted(t.p_holm for t in tests.values() if t is not None) == pytest.approx(
        [min(1, 2 * ps[0]), max(min(1, 2 * ps[0]), ps[1])]
    )
    assert compare(runs, test_all=True).metric("learning_rate").pairs[0].test is not None


def test_directions_come_from_names_trends_and_options():
    x = np.arange(30.0)
    runs = [
        run(f"r{i}", {"success_rate": (x, x / 30), "wobble": (x, x * 2.0), "bleu": (x, x)})
        for i in range(2)
    ]
    c = compare(runs)
    got = {m.metric: (m.direction.higher_is_better, m.direction.source) for m in c.metrics}
    assert got == {
        "success_rate": (True, "name"),
        "wobble": (True, "trend"),
        "bleu": (True, "name"),
    }
    c = compare(runs, lower="^(wobble|bleu)$")
    assert [m.direction.source for m in c.metrics] == ["option", "name", "option"]
    assert not c.metric("bleu").direction.higher_is_better


def test_seeds_group_despite_per_run_values_in_the_config():
    runs = []
    for cfg, lr in (("base", 0.1), ("wide", 0.01)):
        for s in range(3):
            p = {
                "lr": lr,
                "seed": s,
                "created": f"2025-03-0{s + 1}T1{int(lr * 100)}:00:00",
                "run_id": f"{cfg}{s}",
                "output_dir": f"/scratch/u/{cfg}/{s}/out",
                "host": "node1",  # named per-run: may repeat
                "notes": f"{cfg} sweep, started by the scheduler at {s} on a free node",
                "commit": f"{'a1b2c3d' if s else 'f00ba47'}{cfg}".replace(cfg, ""),
                "slurm_job_id": 1000 + 10 * s + int(lr * 100),
            }
            runs += seed_runs(cfg, [s], 1.0 if cfg == "base" else 0.9, params=p)
    c = compare(runs)
    assert [len(r) for r in c.groups.values()] == [3, 3]
    assert "per-run values" in c.grouping and "output_dir" in c.grouping
    assert all(key.startswith("lr=") for key in c.group_keys.values())


def test_two_configs_differing_in_one_real_param_stay_apart():
    runs = [
        *seed_runs("opt125", [0, 1], 1.0, params={"model": "facebook/opt-125m", "lr": 0.1}),
        *seed_runs("opt350", [0, 1], 1.0, params={"model": "facebook/opt-350m", "lr": 0.1}),
    ]
    c = compare(runs)
    assert len(c.groups) == 2 and set(c.group_keys.values()) == {
        "model=facebook/opt-125m", "model=facebook/opt-350m"
    }  # fmt: skip
    mixed = [
        *seed_runs("a", [0], 1.0, params={"model": "facebook/opt-125m", "lr": 0.1}),
        *seed_runs("a", [1], 1.0, params={"model": "facebook/opt-350m", "lr": 0.1}),
    ]
    merged = compare(mixed)  # only the names pair them, and the header says what differs
    assert len(merged.groups) == 1 and "differ in model" in merged.grouping


def test_names_are_the_fallback_and_group_by_picks_a_param():
    x = np.arange(10.0)
    runs = [run(f"exp_seed{s}_2025010{s}_120000", {"loss": (x, x)}) for s in range(3)]
    c = compare(runs)
    assert list(c.groups) == ["exp"] and "run name" in c.grouping
    by = compare([*seed_runs("a", [0, 1], 1.0), *seed_runs("b", [0], 1.0)], group_by="lr")
    assert list(by.groups) == ["lr=a", "lr=b"]
    assert list(compare(runs, no_group=True).groups) == [r.ref.name for r in runs]


def test_the_builder_runs_the_same_in_a_worker_thread():
    runs = [*seed_runs("a", [0, 1, 2], 1.0), *seed_runs("b", [0, 1, 2], 0.9)]
    found = []
    worker = threading.Thread(target=lambda: found.append(compare(runs)))
    worker.start()
    worker.join()
    direct = compare(runs)
    assert found[0].metric("eval_loss").pairs[0].test == direct.metric("eval_loss").pairs[0].test


def test_smoothed_comparison_is_labelled():
    runs = [*seed_runs("a", [0, 1], 1.0), *seed_runs("b", [0, 1], 0.9)]
    c = compare(runs, smoothed=0.6)
    assert c.headline[0].startswith("SMOOTHED") and c.notes[0].startswith("SMOOTHED")
    raw = compare(runs).metric("eval_loss").runs[0].value
    assert c.metric("eval_loss").runs[0].value != raw


def test_family_aggregate_pools_normalised_values_like_rliable():
    x = np.arange(10.0)
    runs = []
    for i, cfg in enumerate(("a", "b")):
        for s in range(3):
            curves = {f"mode{k}_loss": (x, np.full(10, (k + 1) * (1 + 0.1 * s - 0.2 * i)))
                      for k in range(2)}  # fmt: skip
            runs.append(run(f"{cfg}_seed{s}", curves, {"cfg": cfg, "seed": s}))
    (agg,) = compare(runs).aggregates
    assert agg.family == "mode#_loss" and agg.metrics == ("mode0_loss", "mode1_loss")
    # per metric k, a = (k+1)(1, 1.1, 1.2), b = (k+1)(0.8, 0.9, 1); divided by |mean of a| =
    # 1.1 (k+1) and negated (lower is better), then pooled over both metrics
    pooled_a = -np.array([1.0, 1.1, 1.2] * 2) / 1.1
    pooled_b = -np.array([0.8, 0.9, 1.0] * 2) / 1.1
    assert agg.iqm_a == pytest.approx(stats.trim_mean(pooled_a, 0.25))
    assert agg.iqm_b == pytest.approx(stats.trim_mean(pooled_b, 0.25))
    assert agg.prob_improvement == pytest.approx((3 + 3 + 2 + 0.5) / 9)  # b below a, ties 1/2


def test_a_nan_that_finite_values_follow_is_not_a_divergence():
    x = np.arange(40.0)
    blip = np.where(x == 0, np.nan, 2 - x / 40)  # SB3 logs a NaN first explained_variance
    tail = np.where(x >= 35, np.nan, 2 - x / 40)
    c = compare([run("r", {"eval_loss": (x, blip)}), run("s", {"eval_loss": (x, tail)})])
    assert [r.diverged_step for r in c.metric("eval_loss").runs] == [None, 35]
    end = np.where(x >= 38, 500.0, 2 - x / 40)  # two exploded points: too few to tell
    c = compare([run("r", {"train_loss": (x, end)}), run("s", {"train_loss": (x, 2 - x / 40)})])
    assert c.metric("train_loss").runs[0].diverged_step is None


def test_explosions_count_only_for_losses_by_name():
    x = np.arange(100.0)
    rising = np.where(x < 60, 0.01, 0.5)  # an unknown metric near 0 that rises and stays
    c = compare([run("r", {"explained": (x, rising)}), run("s", {"explained": (x, 0 * x)})])
    assert c.metric("explained").runs[0].diverged_step is None


@pytest.mark.parametrize(("scale", "offset"), [(1e-8, 0.0), (1e8, 0.0), (1.0, 1e8)])
def test_tests_do_not_depend_on_magnitude(scale, offset):
    def scaled(factor, shift):
        out = []
        for r in [*seed_runs("a", [0, 1, 2], 1.0), *seed_runs("b", [0, 1, 2], 0.9)]:
            values = r.points.get_column("value") * factor + shift
            out.append(type(r)(r.ref, r.points.with_columns(value=values), r.params))
        return compare(out).metric("eval_loss").pairs[0].test

    base, other = scaled(1.0, 0.0), scaled(scale, offset)
    assert other.welch_p == pytest.approx(base.welch_p, rel=1e-4)
    assert other.mannwhitney_p == base.mannwhitney_p and other.permutation_p is not None
    assert other.prob_improvement == base.prob_improvement
    assert other.hedges_g == pytest.approx(base.hedges_g, rel=1e-4)


@pytest.mark.parametrize(("n_a", "n_b"), [(1, 3), (2, 2), (3, 3)])
def test_small_groups(n_a, n_b):
    c = compare([*seed_runs("a", range(n_a), 1.0), *seed_runs("b", range(n_b), 0.9)])
    (pair,) = c.metric("eval_loss").pairs
    if n_a == 1:
        assert pair.test is None and "fewer than 2 runs" in pair.notes[0]
        assert pair.divergence.rule.startswith("smoothed gap")  # one run vs the mean curve
    else:
        assert pair.test is not None and pair.test.welch_p is not None
        assert pair.test.hedges_g_ci is not None and not pair.test.ci_reliable


def test_group_names_and_keys_from_params_are_printable():
    evil = "\x1b]0;owned\x07rope"
    runs = [*seed_runs("a", [0, 1], 1.0, params={"model": evil}), *seed_runs("b", [0], 1.0)]
    for c in (compare(runs), compare(runs, group_by="model")):
        assert all(text.isprintable() for text in (*c.groups, *c.group_keys.values()))


def test_runs_whose_steps_do_not_overlap_are_said_so():
    early = run("a", {"loss": ([0, 1, 2], [3.0, 2.0, 1.0])})
    late = run("b", {"loss": ([10, 11, 12], [3.0, 2.0, 1.5])})
    m = compare([early, late]).metric("loss")
    assert m.step == 2 and [r.value for r in m.runs] == [1.0, None]
    assert any("do not all overlap" in n for n in m.notes)
    last = compare([early, late], at="last").metric("loss")
    assert [r.value for r in last.runs] == [1.0, 1.5]
