"""Whether a metric improves upward or downward, guessed from its name.

Names are split into lower-case tokens on ``/ _ - . : @`` and spaces (``rollout/ep_rew_mean``
gives ``rollout, ep, rew, mean``); the LAST token that names a known quantity decides, so
``reward_model/loss`` is lower-is-better. A token with trailing digits also matches its stem
(``acc1``, ``map50``, ``rouge2``). :func:`higher_is_better` counts unknown names as
lower-is-better; the comparison engine instead decides them from the curves' trend
(:mod:`curvelens.core.comparison.directions`) and lets options override any name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Canonical quantity for each recognised token. Several spellings share one quantity so
#: that ``train_ppl`` and ``val_perplexity`` can be paired (see :mod:`.overfitting`).
QUANTITIES: Mapping[str, str] = {
    **dict.fromkeys(["loss", "losses"], "loss"),
    **dict.fromkeys(["ppl", "perplexity"], "perplexity"),
    **dict.fromkeys(["error", "errors", "err"], "error"),
    "wer": "wer",
    "cer": "cer",
    "mse": "mse",
    "mae": "mae",
    "rmse": "rmse",
    "nll": "nll",
    **dict.fromkeys(["regret", "regrets"], "regret"),
    **dict.fromkeys(["acc", "accuracy"], "accuracy"),
    "f1": "f1",
    "bleu": "bleu",
    **dict.fromkeys(["rouge", "rougel", "rougelsum"], "rouge"),
    **dict.fromkeys(["reward", "rewards", "rew"], "reward"),
    **dict.fromkeys(["return", "returns"], "return"),
    "auc": "auc",
    "precision": "precision",
    "recall": "recall",
    "map": "map",
    **dict.fromkeys(["score", "scores"], "score"),
    **dict.fromkeys(["success", "successes"], "success"),
    **dict.fromkeys(["iou", "miou"], "iou"),
    **dict.fromkeys(["top"], "accuracy"),  # top1, top5
    **dict.fromkeys(["psnr", "ssim", "dice", "r2", "meteor", "chrf", "ndcg", "mrr"], "quality"),
    **dict.fromkeys(["pearson", "spearman", "correlation", "kappa", "mcc"], "correlation"),
    **dict.fromkeys(["elbo", "likelihood", "loglik"], "likelihood"),
    **dict.fromkeys(["hit", "hits", "win", "wins", "exact"], "rate"),
    **dict.fromkeys(["fid", "bpd", "kl", "mape", "brier", "ece"], "divergence"),
    "cost": "cost",
}

#: Quantities for which a lower value is better; every other known quantity is higher-better.
LOWER_IS_BETTER = frozenset(
    {"loss", "perplexity", "error", "wer", "cer", "mse", "mae", "rmse", "nll", "regret"}
    | {"divergence", "cost"}
)

_SEPARATORS = re.compile(r"[/_\-.:@\s]+")
_TRAILING_DIGITS = re.compile(r"^([a-z]+?)\d+$")


def tokens(metric: str) -> list[str]:
    """Lower-case name tokens of ``metric``, empty ones dropped."""
    return [t for t in _SEPARATORS.split(metric.lower()) if t]


def _token_quantity(token: str) -> str | None:
    """The quantity a single token names, trying its digit-less stem second."""
    if token in QUANTITIES:
        return QUANTITIES[token]
    stem = _TRAILING_DIGITS.match(token)
    return QUANTITIES.get(stem.group(1)) if stem else None


def quantity(metric: str) -> str | None:
    """Canonical quantity a metric measures (``loss``, ``accuracy`` ...), None if unknown."""
    for token in reversed(tokens(metric)):
        found = _token_quantity(token)
        if found is not None:
            return found
    return None


def higher_is_better(metric: str, overrides: Mapping[str, bool] | None = None) -> bool:
    """True when larger values of ``metric`` are better; unknown names are lower-is-better."""
    if overrides is not None and metric in overrides:
        return overrides[metric]
    found = quantity(metric)
    return found is not None and found not in LOWER_IS_BETTER
