"""A realistic demo root in the reference layout, with every quirk the real logs have.

Two configs x three seeds of ``<name>_<YYYYmmdd_HHMMSS>/{config.json, logs/metrics.csv,
checkpoints/}``: sparse eval rows, a resumed run, a half-written run, a run that goes NaN,
an injected loss spike and a known divergence point between the two configs. The module
constants below record those facts so tests and docs can rely on them.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

#: Steps per run; train rows are written at every step 1..DEMO_STEPS.
DEMO_STEPS = 2000
#: Eval rows (only eval columns filled) are written every this many steps.
DEMO_EVAL_EVERY = 100
DEMO_STEPS_PER_EPOCH = 500
DEMO_WARMUP_STEPS = 100
DEMO_MODES = 5
#: The two configs: (name, learning rate, model.position_encoding).
DEMO_CONFIGS: tuple[tuple[str, float, str], ...] = (
    ("baseline_lr5e-4", 5e-4, "learned"),
    ("rope_lr1e-3", 1e-3, "rope"),
)
DEMO_SEEDS = (0, 1, 2)
#: Loss curves (train and eval) of the two configs are identical, seed by seed, up to and
#: including this step; after it the rope config's losses are lower by at least 8 %.
DEMO_DIVERGENCE_STEP = 800
#: Run (folder name prefix) whose steps DEMO_RESUMED_STEPS were written twice; the second
#: write has different values and is the one that counts.
DEMO_RESUMED_RUN = "baseline_lr5e-4_seed1"
DEMO_RESUMED_STEPS = (1001, 1200)
#: Run still being written: complete rows up to DEMO_PARTIAL_LAST_STEP, then a cut line
#: with no trailing newline.
DEMO_PARTIAL_RUN = "rope_lr1e-3_seed2"
DEMO_PARTIAL_LAST_STEP = 1650
#: Run whose losses are NaN (and grad_norm inf) from DEMO_NAN_STEP on.
DEMO_NAN_RUN = "baseline_lr5e-4_seed2"
DEMO_NAN_STEP = 1901
#: Run with a single-step train-loss spike (x DEMO_SPIKE_FACTOR) at DEMO_SPIKE_STEP.
DEMO_SPIKE_RUN = "rope_lr1e-3_seed0"
DEMO_SPIKE_STEP = 1234
DEMO_SPIKE_FACTOR = 3.0

STRING_COLUMNS = {"ordering_mode": "temporal", "thinking_token_mode": "expectation"}
HEADER = (
    ["step", "epoch", "train_loss", "train_perplexity"]
    + [f"mode{m}_{k}" for m in range(1, DEMO_MODES + 1) for k in ("loss", "ppl")]
    + ["learning_rate", "grad_norm", *STRING_COLUMNS]
)
_START = datetime(2025, 3, 1, 9, 0, 0)


@dataclass(frozen=True)
class _Curves:
    """Every value series of one run, indexed by step - 1."""

    train_loss: np.ndarray
    eval_loss: np.ndarray
    """Shape (DEMO_STEPS, DEMO_MODES); only rows at eval steps are written."""
    learning_rate: np.ndarray
    grad_norm: np.ndarray


def demo_run_names() -> list[str]:
    """Run names (folder names without timestamp) in the order ``write_demo`` writes them."""
    return [f"{name}_seed{seed}" for name, _, _ in DEMO_CONFIGS for seed in DEMO_SEEDS]


def write_demo(root: Path, seed: int = 0) -> list[Path]:
    """Write the demo runs under ``root`` (created if needed) and return their folders.

    Deterministic given ``seed``; existing demo folders in ``root`` are overwritten.
    """
    root.mkdir(parents=True, exist_ok=True)
    folders = []
    for index, (config, lr, encoding) in enumerate(
        (c, lr, enc) for c, lr, enc in DEMO_CONFIGS for _ in DEMO_SEEDS
    ):
        run_seed = DEMO_SEEDS[index % len(DEMO_SEEDS)]
        name = f"{config}_seed{run_seed}"
        started = _START + timedelta(hours=3 * index)
        folder = root / f"{name}_{started:%Y%m%d_%H%M%S}"
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        (folder / "checkpoints").mkdir(exist_ok=True)
        config_dict = _config(name, lr, encoding, run_seed)
        (folder / "config.json").write_text(json.dumps(config_dict, indent=2) + "\n")
        rows = _rows(name, lr, encoding == "rope", np.random.default_rng([seed, run_seed]))
        _write_csv(folder / "logs" / "metrics.csv", rows, cut=name == DEMO_PARTIAL_RUN)
        if name != DEMO_PARTIAL_RUN:
            finished = (started + timedelta(hours=2)).timestamp()
            os.utime(folder / "logs" / "metrics.csv", (finished, finished))
        folders.append(folder)
    return folders


def _config(name: str, lr: float, encoding: str, seed: int) -> dict[str, object]:
    """The config.json of one run, shaped like the real project's argparse dump."""
    return {
        "exp_name": name,
        "learning_rate": lr,
        "seed": seed,
        "max_steps": DEMO_STEPS,
        "warmup_steps": DEMO_WARMUP_STEPS,
        "batch_size": 8,
        "min_lr_ratio": 0.1,
        "model": {"n_layer": 6, "n_head": 8, "position_encoding": encoding},
        "resume_from_checkpoint": None,
    }


def _curves(lr: float, rope: bool, rng: np.random.Generator) -> _Curves:
    """Loss, eval loss, LR and grad-norm curves; the noise depends only on the seed."""
    steps = np.arange(1, DEMO_STEPS + 1, dtype=np.float64)
    base = 2.5 + 8.5 * (1.0 + steps / 50.0) ** -0.6
    after = np.clip(steps - DEMO_DIVERGENCE_STEP, 0.0, None)
    gain = np.where(after > 0, 0.08 + 0.07 * (1.0 - np.exp(-after / 300.0)), 0.0)
    scale = 1.0 - gain if rope else np.ones_like(steps)
    train = base * scale * np.exp(rng.normal(0.0, 0.02, steps.size))
    overfit = 0.15 * np.clip(steps - 1400.0, 0.0, None) / 600.0
    offsets = 0.05 * np.arange(DEMO_MODES)
    eval_base = (base + 0.1 + overfit)[:, None] + offsets[None, :]
    eval_loss = eval_base * scale[:, None] * np.exp(rng.normal(0.0, 0.005, eval_base.shape))
    warm = np.minimum(steps / DEMO_WARMUP_STEPS, 1.0)
    progress = np.clip((steps - DEMO_WARMUP_STEPS) / (DEMO_STEPS - DEMO_WARMUP_STEPS), 0, 1)
    cosine = 0.1 + 0.9 * 0.5 * (1.0 + np.cos(np.pi * progress))
    learning_rate = lr * np.where(steps <= DEMO_WARMUP_STEPS, 0.1 + 0.9 * warm, cosine)
    grad_norm = (0.6 + 4.0 * np.exp(-steps / 200.0)) * np.exp(rng.normal(0.0, 0.15, steps.size))
    return _Curves(train, eval_loss, learning_rate, grad_norm)


def _apply_quirks(name: str, curves: _Curves) -> None:
    """Inject the spike and the NaN tail into the runs named by the module constants."""
    if name == DEMO_SPIKE_RUN:
        curves.train_loss[DEMO_SPIKE_STEP - 1] *= DEMO_SPIKE_FACTOR
        curves.grad_norm[DEMO_SPIKE_STEP - 1] *= 10.0
    if name == DEMO_NAN_RUN:
        curves.train_loss[DEMO_NAN_STEP - 1 :] = math.nan
        curves.eval_loss[DEMO_NAN_STEP - 1 :] = math.nan
        curves.grad_norm[DEMO_NAN_STEP - 1 :] = math.inf


def _rows(name: str, lr: float, rope: bool, rng: np.random.Generator) -> list[list[str]]:
    """All CSV rows of one run in write order (a resumed run repeats a range of steps)."""
    curves = _curves(lr, rope, rng)
    _apply_quirks(name, curves)
    if name != DEMO_RESUMED_RUN:
        return list(_segment(curves, 1, DEMO_STEPS))
    first, last = DEMO_RESUMED_STEPS
    resumed = _curves(lr, rope, np.random.default_rng(rng.integers(2**32)))
    _apply_quirks(name, resumed)
    return [*_segment(curves, 1, last), *_segment(resumed, first, DEMO_STEPS)]


def _segment(curves: _Curves, first: int, last: int) -> Iterator[list[str]]:
    """Train row at every step and an eval row after it at every eval step."""
    constants = list(STRING_COLUMNS.values())
    empty_eval = [""] * (2 * DEMO_MODES)
    for step in range(first, last + 1):
        i = step - 1
        epoch = str(i // DEMO_STEPS_PER_EPOCH + 1)
        loss = float(curves.train_loss[i])
        train = [_fmt(loss), _fmt(_exp(loss))]
        tail = [_fmt(curves.learning_rate[i]), _fmt(curves.grad_norm[i])]
        yield [str(step), epoch, *train, *empty_eval, *tail, *constants]
        if step % DEMO_EVAL_EVERY == 0:
            evals = [_fmt(v) for x in curves.eval_loss[i] for v in (float(x), _exp(float(x)))]
            yield [str(step), epoch, "", "", *evals, "", "", *constants]


def _exp(x: float) -> float:
    """Perplexity of a loss; NaN stays NaN."""
    return math.exp(x) if math.isfinite(x) else x


def _fmt(x: float | np.floating) -> str:
    """A cell as Python's csv module would write a float (``nan``, ``inf`` included)."""
    return repr(float(x))


def _write_csv(path: Path, rows: list[list[str]], cut: bool) -> None:
    """Write header and rows; with ``cut`` stop after DEMO_PARTIAL_LAST_STEP mid-line."""
    lines = [",".join(HEADER)]
    for row in rows:
        if cut and int(row[0]) > DEMO_PARTIAL_LAST_STEP:
            half = ",".join(row)
            lines.append(half[: half.index(",", half.index(",") + 1) + 4])
            path.write_text("\n".join(lines))
            return
        lines.append(",".join(row))
    path.write_text("\n".join(lines) + "\n")
