"""Metric direction guessed from names."""

import pytest

from curvelens.core.analysis.direction import higher_is_better, quantity, tokens


@pytest.mark.parametrize(
    "metric",
    [
        "loss",
        "train_loss",
        "eval_g0_loss",
        "val/loss",
        "mode2_ppl",
        "train_perplexity",
        "top1_err",
        "test-error",
        "wer",
        "val.mse",
        "rmse",
        "nll",
        "reward_model/loss",
    ],
)
def test_lower_is_better(metric):
    assert higher_is_better(metric) is False


@pytest.mark.parametrize(
    "metric",
    [
        "train/acc_0",
        "eval_accuracy",
        "val_f1",
        "bleu",
        "rougeL",
        "rouge2",
        "rollout/ep_rew_mean",
        "episode_return",
        "val_auc",
        "precision",
        "recall@10",
        "map50",
        "eval/score",
        "acc1",
    ],
)
def test_higher_is_better(metric):
    assert higher_is_better(metric) is True


def test_unknown_names_are_lower_is_better():
    assert quantity("learning_rate") is None
    assert higher_is_better("learning_rate") is False
    assert higher_is_better("grad_norm") is False


def test_overrides_win_over_the_name():
    assert higher_is_better("train_loss", {"train_loss": True}) is True
    assert higher_is_better("my_metric", {"my_metric": True}) is True
    assert higher_is_better("val_acc", {"other": False}) is True


def test_tokens_split_on_separators_and_ignore_case():
    assert tokens("Rollout/ep_rew-mean.x:y@5 z") == [
        "rollout",
        "ep",
        "rew",
        "mean",
        "x",
        "y",
        "5",
        "z",
    ]


def test_spellings_share_one_quantity():
    assert quantity("train_ppl") == quantity("val_perplexity") == "perplexity"
    assert quantity("acc") == quantity("eval/accuracy") == "accuracy"
    assert quantity("mapping_size") is None  # tokens match whole words only


COMMON = {
    # lower is better
    "train_loss": False, "val/loss": False, "eval_ppl": False, "perplexity": False,
    "test_error": False, "wer": False, "cer": False, "val_mse": False, "rmse": False,
    "nll": False, "cumulative_regret": False, "fid": False, "bpd": False, "kl": False,
    "train/cost": False,
    # higher is better
    "success_rate": True, "bleu": True, "reward": True, "episode_reward": True,
    "rollout/ep_rew_mean": True, "eval/mean_return": True, "val_acc": True,
    "accuracy_top1": True, "top5": True, "f1_macro": True, "roc_auc": True, "map50": True,
    "miou": True, "rouge2": True, "rougeL": True, "psnr": True, "ssim": True, "dice": True,
    "r2": True, "spearman": True, "elbo": True, "exact_match": True, "hit_rate": True,
    "win_rate": True, "ndcg@10": True, "eval/score": True,
}  # fmt: skip


def test_common_metric_names_get_their_direction():
    wrong = {m for m, up in COMMON.items() if quantity(m) is None or higher_is_better(m) != up}
    assert not wrong and len(COMMON) >= 37
