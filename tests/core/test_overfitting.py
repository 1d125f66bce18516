"""Train/eval pairing and overfitting verdicts on curves whose answer is known."""

import numpy as np
import pytest
from scipy import stats

from curvelens.core.analysis.overfitting import (
    overfitting,
    pair_metrics,
)


def pairs(names):
    return {(p.train_metric, p.eval_metric) for p in pair_metrics(names)}


def test_reference_layout_pairs_modes_with_train():
    names = ["train_loss", "train_perplexity", "learning_rate", "epoch"]
    names += [f"mode{m}_{k}" for m in (1, 2) for k in ("loss", "ppl")]
    assert pairs(names) == {
        ("train_loss", "mode1_loss"),
        ("train_loss", "mode2_loss"),
        ("train_perplexity", "mode1_ppl"),
        ("train_perplexity", "mode2_ppl"),
    }


@pytest.mark.parametrize("eval_name", ["val_loss", "eval_loss", "valid_loss", "test_loss"])
def test_eval_prefixes_pair_with_train_loss(eval_name):
    assert pairs(["train_loss", eval_name]) == {("train_loss", eval_name)}


def test_hf_trainer_bare_loss_pairs_with_eval_loss_but_not_runtimes():
    names = ["loss", "eval_loss", "train_runtime", "eval_runtime", "grad_norm"]
    assert pairs(names) == {("loss", "eval_loss")}


def test_slash_names_and_spellings_and_eval_splits():
    names = ["train/loss", "val/loss", "train/acc", "val/accuracy", "eval_g0_loss"]
    assert pairs(names) == {
        ("train/loss", "val/loss"),
        ("train/acc", "val/accuracy"),
        ("train/loss", "eval_g0_loss"),
    }
    assert pairs(["train_perplexity", "val_perplexity"]) == {("train_perplexity", "val_perplexity")}


def test_explicit_train_metric_wins_over_bare_one():
    assert pairs(["loss", "train_loss", "val_loss"]) == {("train_loss", "val_loss")}


def test_no_partner_no_pair():
    assert pair_metrics(["val_loss", "train_acc"]) == []


TRAIN_STEPS = np.arange(1, 1001, dtype=np.float64)
EVAL_STEPS = np.arange(100, 1001, 100, dtype=np.float64)
TRAIN = 3.0 - TRAIN_STEPS / 1000.0  # falls steadily from 2.999 to 2.0


def test_eval_turning_up_while_train_falls_is_overfitting():
    # eval falls to 2.2 at step 500, then climbs by 0.1 per 100 steps to 2.7 at step 1000
    evals = np.array([2.6, 2.5, 2.4, 2.3, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7])
    result = overfitting(TRAIN_STEPS, TRAIN, EVAL_STEPS, evals)
    assert result.verdict == "overfitting"
    assert (result.best_step, result.best_value, result.last_value) == (500.0, 2.2, 2.7)
    assert result.evals == 5 and result.span == 400.0  # the last third, at least 5 evals
    assert result.eval_slope == pytest.approx(0.001)  # +0.1 per 100 steps
    assert result.train_slope == pytest.approx(-0.001)


def test_slopes_and_intervals_match_scipy_linregress():
    rng = np.random.default_rng(3)
    evals = 2.0 + rng.normal(0, 0.05, EVAL_STEPS.size)
    train = TRAIN + rng.normal(0, 0.05, TRAIN.size)
    result = overfitting(TRAIN_STEPS, train, EVAL_STEPS, evals)
    fit = stats.linregress(EVAL_STEPS[-5:], evals[-5:])
    half = stats.t.ppf(0.975, 3) * fit.stderr
    assert result.eval_slope == pytest.approx(fit.slope)
    assert result.eval_slope_ci == pytest.approx((fit.slope - half, fit.slope + half))
    inside = (TRAIN_STEPS >= 600) & (TRAIN_STEPS <= 1000)
    tfit = stats.linregress(TRAIN_STEPS[inside], train[inside])
    assert result.train_slope == pytest.approx(tfit.slope)


def test_eval_still_improving_is_ok():
    evals = TRAIN[EVAL_STEPS.astype(int) - 1] + 0.2
    assert overfitting(TRAIN_STEPS, TRAIN, EVAL_STEPS, evals).verdict == "ok"


def test_both_worsening_is_not_overfitting():
    rising_train = 2.0 + TRAIN_STEPS / 1000.0
    evals = np.array([2.6, 2.5, 2.4, 2.3, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7])
    result = overfitting(TRAIN_STEPS, rising_train, EVAL_STEPS, evals)
    assert result.verdict == "eval_worsening" and result.train_slope > 0


def test_one_bad_last_point_is_not_overfitting():
    evals = np.array([2.6, 2.5, 2.4, 2.3, 2.2, 2.19, 2.2, 2.18, 2.19, 2.4])
    assert overfitting(TRAIN_STEPS, TRAIN, EVAL_STEPS, evals).verdict == "ok"


def test_higher_is_better_metrics_worsen_downwards():
    train_acc = TRAIN_STEPS / 1000.0
    eval_acc = np.array([0.5, 0.6, 0.7, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5])
    result = overfitting(TRAIN_STEPS, train_acc, EVAL_STEPS, eval_acc, higher_better=True)
    assert result.verdict == "overfitting" and result.best_step == 400.0


def test_too_few_evals_is_insufficient():
    result = overfitting(TRAIN_STEPS, TRAIN, [500.0, 600.0, 700.0, 800.0], [2.0, 2.1, 2.2, 2.3])
    assert result.verdict == "insufficient" and result.eval_slope is None


def test_false_positive_rate_on_a_flat_noisy_eval_curve():
    """Flat eval with 1.5 % noise while train falls: flagged in at most 5 % of 400 trials
    (measured: see README METHODS; the old last-point rule flagged 70 %)."""
    rng = np.random.default_rng(11)
    eval_steps = np.arange(100, 3001, 100, dtype=np.float64)
    flagged = 0
    for _ in range(400):
        evals = 2.0 * (1 + rng.normal(0, 0.015, eval_steps.size))
        train = 3.0 - TRAIN_STEPS / 1000.0 + rng.normal(0, 0.02, TRAIN_STEPS.size)
        result = overfitting(np.arange(1, 3001.0), np.resize(train, 3000), eval_steps, evals)
        flagged += result.verdict in ("overfitting", "eval_worsening")
    assert flagged / 400 <= 0.05


def test_descriptive_gaps_since_the_best_eval_point():
    evals = np.array([2.6, 2.5, 2.4, 2.3, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7])
    gaps = overfitting(TRAIN_STEPS, TRAIN, EVAL_STEPS, evals).gaps
    assert gaps.regression == pytest.approx(0.5)  # 2.7 against the best 2.2
    assert gaps.train_improvement == pytest.approx(0.5, abs=0.02)  # smoothed train 2.5 -> 2.0
    assert gaps.gap_last == pytest.approx(2.7 - 2.0, abs=0.02)
