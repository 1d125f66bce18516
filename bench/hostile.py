"""Hostile inputs (``make bench``; not a test): peak memory of the huge sparse logs and the
time of the bomb cases, each loaded in its own process.

The adversarial corpus of the tests (tests/core/adversarial.py) is written once with 2 GiB
sparse files (holes: no disk used). Each case discovers the root and loads one run in a
fresh subprocess (``--case RUN_ID``) so its peak memory (``ru_maxrss`` from ``wait4``) is
its own; a case that takes longer than ``--timeout`` seconds is killed and shown as such.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASES = (
    ("sparse/csv", "{gib:g} GiB sparse metrics.csv"),
    ("sparse/jsonl", "{gib:g} GiB sparse metrics.jsonl"),
    ("bombs/lightning", "alias bomb in hparams.yaml"),
    ("bombs/wandb/run-20250101_000000-bomb", "alias bomb in W&B config.yaml"),
    ("bombs/dvclive", "alias bomb in DVCLive params.yaml"),
    ("bombs/mlruns/1/0123456789abcdef", "alias bomb in MLflow meta.yaml"),
    ("bombs/hydra", "alias bomb in .hydra/config.yaml"),
    ("wide", "CSV header of 100,000 columns"),
    ("deep/jsonl", "JSONL line nested 100,000 deep"),
    ("deep/hf_nested", "trainer_state.json nested 50,000 deep"),
    ("wandb/run-20250101_000000-crc", "W&B log with a bad checksum"),
    ("sparse/tb", "{gib:g} GiB sparse TensorBoard event file"),
    ("sparse/wandb/run-20250101_000000-sparse", "{gib:g} GiB sparse W&B .wandb log"),
    ("sparse/mlruns/3/00112233445566778899aabbccddeeff", "{gib:g} GiB sparse MLflow metric"),
    ("sparse/dvclive", "{gib:g} GiB sparse DVCLive TSV"),
    ("sparse/hf_nul", "{gib:g} GiB trainer_state.json of NULs"),
    ("sparse/hf_tail", "trainer_state.json + {gib:g} GiB of NULs"),
)


def run_case(root: Path, run_id: str) -> None:
    """Child: load one run of the corpus and print its time and what it says."""
    from curvelens.core.discovery import discover
    from curvelens.core.loading import load_run

    started = time.perf_counter()
    found = discover([root])
    discovered = time.perf_counter() - started
    ref = next(ref for ref in found.runs if ref.id == run_id)
    started = time.perf_counter()
    run = load_run(ref)
    seconds = time.perf_counter() - started
    said = run.error or "; ".join(issue.message for issue in run.issues) or "no warning"
    print(json.dumps({"seconds": seconds, "discover": discovered, "said": said[:70]}))


def measure(root: Path, run_id: str, timeout: float) -> tuple[str, str, str]:
    """(seconds, peak MiB, message) of one case in its own process."""
    cmd = [sys.executable, __file__, "--case", run_id, "--root", str(root)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            _, _, usage = os.wait4(proc.pid, 0)
            return f">{timeout:g}", f"{usage.ru_maxrss / 1024:.0f}", "killed: over the time limit"
        time.sleep(0.05)
    assert proc.stdout is not None
    out = proc.stdout.read()
    if status != 0 or not out:
        return "-", f"{usage.ru_maxrss / 1024:.0f}", f"failed (status {status})"
    result = json.loads(out)
    return f"{result['seconds']:.3f}", f"{usage.ru_maxrss / 1024:.0f}", result["said"]


def main() -> None:
    """Write the corpus, time every case, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case")
    parser.add_argument("--root", type=Path)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--sparse-gib", type=float, default=2.0)
    parser.add_argument("--only", default="", help="run the cases whose name holds this")
    args = parser.parse_args()
    if args.case:
        run_case(args.root, args.case)
        return
    sys.path.insert(0, str(REPO))
    from tests.core.adversarial import build_corpus
    from tests.core.hostile_fs import remove_tree

    with tempfile.TemporaryDirectory(prefix="curvelens-hostile-") as tmp:
        base = Path(tmp) / "corpus"
        corpus = build_corpus(base, sparse_bytes=int(args.sparse_gib * 2**30))
        print(f"hostile inputs (load average {os.getloadavg()[0]:.1f}):")
        print(f"{'case':40} {'seconds':>8} {'peak MiB':>9}  message")
        for run_id, what in CASES:
            if args.only.lower() not in what.lower():
                continue
            seconds, peak, said = measure(corpus.root, run_id, args.timeout)
            print(f"{what.format(gib=args.sparse_gib):40} {seconds:>8} {peak:>9}  {said}")
        remove_tree(base)


if __name__ == "__main__":
    main()
