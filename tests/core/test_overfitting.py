"""Train/eval pairing and overfitting verdicts on curves whose answer is known."""

import numpy as np
import polars as pl
import pytest

from curvelens.core.analysis.overfitting import (
    MetricPair,
    overfitting,
    overfitting_by_pair,
    pair_metrics,
)
from curvelens.core.schema import POINTS


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


def test_gap_aligns_on_the_nearest_preceding_train_step():
    result = overfitting(
        [1.0, 3.0, 5.0],
        [10.0, 8.0, 6.0],
        [0.0, 3.0, 4.0, 6.0],
        [1.0, 9.0, 9.5, 7.0],
        train_smoothing=0.0,
    )
    assert result.gap_steps.tolist() == [3.0, 4.0, 6.0]  # step 0 precedes all train steps
    assert result.gap.tolist() == [1.0, 1.5, 1.0]


def test_eval_turning_up_while_train_falls_is_overfitting():
    # eval falls to 2.2 at step 500, then climbs by 0.1 per 100 steps to 2.7 at step 1000
    evals = np.array([2.6, 2.5, 2.4, 2.3, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7])
    result = overfitting(TRAIN_STEPS, TRAIN, EVAL_STEPS, evals, train_smoothing=0.0)
    assert result.verdict == "overfitting"
    assert (result.best_step, result.best_value, result.last_value) == (500.0, 2.2, 2.7)
    assert result.regression == pytest.approx(0.5)
    assert result.train_improvement == pytest.approx(0.5)  # train 2.5 at 500 -> 2.0 at 1000
    assert result.gap_change == pytest.approx((2.7 - 2.0) - (2.2 - 2.5))


def test_eval_still_improving_is_ok():
    evals = TRAIN[EVAL_STEPS.astype(int) - 1] + 0.2
    result = overfitting(TRAIN_STEPS, TRAIN, EVAL_STEPS, evals)
    assert result.verdict == "ok" and result.regression == 0.0


def test_both_worsening_is_not_overfitting():
    rising_train = 2.0 + TRAIN_STEPS / 1000.0
    evals = np.array([2.6, 2.5, 2.4, 2.3, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7])
    result = overfitting(TRAIN_STEPS, rising_train, EVAL_STEPS, evals, train_smoothing=0.0)
    assert result.verdict == "eval_worsening" and result.train_improvement < 0


def test_a_rise_within_tolerance_is_ok():
    evals = np.array([2.6, 2.5, 2.4, 2.3, 2.2, 2.21, 2.22, 2.23, 2.24, 2.24])
    assert overfitting(TRAIN_STEPS, TRAIN, EVAL_STEPS, evals).verdict == "ok"  # 0.04 < 2 % x 2.2
    tight = overfitting(TRAIN_STEPS, TRAIN, EVAL_STEPS, evals, tolerance=0.01)
    assert tight.verdict == "overfitting"


def test_higher_is_better_metrics_regress_downwards():
    train_acc = TRAIN_STEPS / 1000.0
    eval_acc = np.array([0.5, 0.6, 0.7, 0.8, 0.7, 0.6, 0.6, 0.6, 0.6, 0.6])
    result = overfitting(
        TRAIN_STEPS, train_acc, EVAL_STEPS, eval_acc, higher_better=True, train_smoothing=0.0
    )
    assert result.verdict == "overfitting"
    assert (result.best_step, result.regression) == (400.0, pytest.approx(0.2))
    assert result.train_improvement == pytest.approx(0.6)


def test_too_few_aligned_points_is_insufficient():
    result = overfitting(TRAIN_STEPS, TRAIN, [500.0, 600.0], [2.0, np.nan])
    assert result.verdict == "insufficient" and result.best_step is None


def test_overfitting_by_pair_reads_a_points_frame():
    evals = [2.6, 2.5, 2.4, 2.3, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7]
    frame = pl.DataFrame(
        {
            "metric": ["train_loss"] * TRAIN_STEPS.size + ["val_loss"] * EVAL_STEPS.size,
            "step": np.concatenate((TRAIN_STEPS, EVAL_STEPS)),
            "value": np.concatenate((TRAIN, evals)),
            "wall_time": [None] * (TRAIN_STEPS.size + EVAL_STEPS.size),
        },
        schema=dict(POINTS),
    )
    [(pair, result)] = overfitting_by_pair(frame)
    assert pair == MetricPair("train_loss", "val_loss")
    assert result.verdict == "overfitting"
