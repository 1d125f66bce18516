"""Anomaly detection: spikes, drops, NaN/inf, loss explosions, grad-norm blow-ups."""

import math

import numpy as np
import polars as pl
import pytest

from curvelens.core.analysis.anomalies import (
    detect,
    is_grad_norm,
    is_schedule,
    reason,
)

STEPS = np.arange(300, dtype=np.float64)


def noisy(level=2.0, noise=0.01, seed=0):
    return level + np.random.default_rng(seed).normal(0.0, noise, STEPS.size)


def kinds(found):
    return [(a.step, a.kind) for a in found]


def test_injected_loss_spike_is_one_spike_not_two():
    values = noisy()
    values[120] = 2.5
    found = detect("train_loss", STEPS, values)
    assert kinds(found) == [(120.0, "spike")]
    assert found[0].value == 2.5 and found[0].score > 6


def test_good_direction_jumps_are_not_reported():
    loss = noisy()
    loss[120] = 1.5  # a one-point dip of a loss is not a problem
    acc = noisy(0.8, 0.001)
    acc[200:] += 0.05  # an accuracy step up is progress
    assert detect("train_loss", STEPS, loss) == []
    assert detect("val_acc", STEPS, acc) == []


def test_accuracy_level_drop_is_one_shift():
    acc = noisy(0.8, 0.001)
    acc[200:] -= 0.05
    found = detect("val_acc", STEPS, acc)
    assert kinds(found) == [(200.0, "shift")] and found[0].score < -10
    assert "level shift" in reason(found[0])


def test_unknown_metrics_report_both_directions_unless_told():
    values = noisy(1.0)
    values[50] += 1.0
    values[150:] -= 1.0
    assert kinds(detect("weird_thing", STEPS, values)) == [(50.0, "spike"), (150.0, "shift")]
    assert kinds(detect("weird_thing", STEPS, values, higher=True)) == [(150.0, "shift")]


def test_robust_z_is_the_residual_over_the_local_mad():
    values = noisy(noise=0.01, seed=4)
    values[100] += 0.3
    (found,) = detect("train_loss", STEPS, values)
    resid = values[1:-1] - 0.5 * (values[:-2] + values[2:])  # minus the local straight line
    resid = np.concatenate(([values[0] - 2 * values[1] + values[2]], resid,
                            [values[-1] - 2 * values[-2] + values[-3]]))  # fmt: skip
    scale = 1.4826 * pl.Series(np.abs(resid)).rolling_median(201, min_samples=1, center=True)
    assert found.score == pytest.approx(resid[100] / scale.to_numpy()[100])


def test_trend_is_removed_before_scoring():
    falling = 4.0 * np.exp(-STEPS / 60.0) + noisy(0.5, 0.005, seed=2)
    assert detect("weird_thing", STEPS, falling) == []


def test_constant_series_has_no_anomaly_and_no_division_by_zero():
    with np.errstate(all="raise"):
        assert detect("train_loss", STEPS, np.full(STEPS.size, 3.0)) == []


def test_step_in_a_flat_series_uses_the_mean_absolute_deviation():
    values = np.ones(STEPS.size)
    values[200:] = 0.5  # MAD is 0 everywhere; the shift is scored against the mean deviation
    found = detect("x", STEPS, values)
    assert [a.kind for a in found] == ["shift"] and found[0].step == 200.0


def test_non_finite_stretches_are_reported_once_with_their_length():
    values = noisy()
    values[[10, 11, 12]] = np.nan
    values[40] = np.inf
    found = [a for a in detect("train_loss", STEPS, values) if a.kind == "nonfinite"]
    assert [(a.step, a.score) for a in found] == [(10.0, 3.0), (40.0, 1.0)]
    assert math.isinf(found[1].value)


def test_loss_explosion_against_the_running_median():
    values = noisy(1.0, 0.01, seed=5)
    values[250:260] = 8.0  # 8x the median of the 50 earlier values
    found = detect("train_loss", STEPS, values)
    explosions = [a for a in found if a.kind == "explosion"]
    assert [a.step for a in explosions] == [250.0]
    assert explosions[0].score == pytest.approx(8.0 / np.median(values[200:250]))


def test_noisy_loss_near_zero_does_not_explode():
    steps = np.arange(20_000, dtype=np.float64)
    values = np.abs(np.random.default_rng(6).normal(0.01, 0.01, steps.size))
    assert not [a for a in detect("train_loss", steps, values) if a.kind == "explosion"]


@pytest.mark.parametrize(("noise", "most"), [("laplace", 3), ("student_t5", 3), ("normal", 0)])
def test_false_spikes_on_heavy_tailed_noise(noise, most):
    """20,000 points of flat noise of unknown direction (both ways count): measured false
    anomalies (README METHODS) stay at most ``most``."""
    rng = np.random.default_rng(7)
    draw = {
        "laplace": lambda: rng.laplace(0, 1, 20_000),
        "student_t5": lambda: rng.standard_t(5, 20_000),
        "normal": lambda: rng.normal(0, 1, 20_000),
    }[noise]
    values = 2.0 + 0.01 * draw()
    assert len(detect("weird_thing", np.arange(20_000.0), values)) <= most


def test_counters_and_timers_are_not_scanned():
    clock = np.cumsum(np.random.default_rng(8).exponential(1.0, STEPS.size))
    clock[100] += 50  # a pause
    assert detect("train_runtime", STEPS, clock) == []
    assert detect("samples_per_second", STEPS, noisy(100, 1) * np.where(STEPS == 5, 9, 1)) == []


def test_explosions_only_for_loss_like_metrics():
    values = np.linspace(4.0, 1.0, STEPS.size)
    values[250] = 10.0
    assert not [a for a in detect("learning_rate", STEPS, values) if a.kind == "explosion"]


def test_grad_norm_blow_up_against_the_trailing_median():
    values = noisy(1.0, 0.05)
    values[100] = 8.0
    found = detect("train/grad_norm", STEPS, values)
    blowups = [a for a in found if a.kind == "grad_blowup"]
    assert [a.step for a in blowups] == [100.0]
    assert blowups[0].score == pytest.approx(8.0 / np.median(values[50:100]))
    assert "median" in reason(blowups[0])


def test_schedules_are_not_checked_for_jumps():
    lr = np.where(STEPS < 100, STEPS / 100, 1.0) * 1e-3
    assert detect("learning_rate", STEPS, lr) == []
    assert detect("epoch", STEPS, np.floor(STEPS / 100)) == []


def test_names():
    assert is_grad_norm("grad_norm") and is_grad_norm("train/gradient_norm")
    assert is_grad_norm("gnorm") and not is_grad_norm("grad_scale")
    assert is_schedule("lr") and is_schedule("train/learning_rate")
    assert is_schedule("eval_samples_per_second") and not is_schedule("train_loss")
