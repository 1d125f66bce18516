"""A generator of hostile and broken run folders mixed with good runs (tests and bench only).

:func:`build_corpus` writes, under ``base``, a ``root`` to point curvelens at and an
``outside`` folder that only links reach. Every class of hostile input gets a generator
function in :data:`CLASSES`; each writes its runs and records what must hold afterwards:

- :attr:`Corpus.good`: runs whose points must load exactly (metric -> step -> value);
- :attr:`Corpus.kept`: points a damaged run must still hold (isolation: the bad part costs
  only itself) and :attr:`Corpus.absent` points it must not hold (half-written lines);
- :attr:`Corpus.cases`: each bad file, words its message must hold, and ``needs`` when the
  message depends on another helper's branch (TFRecord CRCs, bounded YAML, linear headers);
- :data:`SENTINEL`: a value only files outside the root hold; no run may show it.

Files get old mtimes so no run counts as ``running`` (their cut lines are then reported).
"""

from __future__ import annotations

import json
import os
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.core import hostile_binary as binary
from tests.core.hostile_fs import set_old_mtimes

SENTINEL = 424242.0
"""A number only the files outside the root hold."""
SENTINEL_TEXT = "SENTINEL-outside-the-root"
Series = dict[str, dict[float, float]]


@dataclass(frozen=True)
class Case:
    """A bad file (or folder) and what a message naming it must say."""

    path: Path
    words: tuple[str, ...]
    """Any one of these (lower case) must be in a message naming :attr:`path`."""
    needs: str | None = None
    """Another helper's work the message depends on (None: this branch names it)."""


@dataclass
class Corpus:
    """The written corpus and what must hold when curvelens reads it."""

    root: Path
    outside: Path
    good: dict[str, Series] = field(default_factory=dict)
    kept: dict[str, Series] = field(default_factory=dict)
    absent: dict[str, Series] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    sparse_bytes: int = 64 * 2**20
    """Size of the huge sparse files (2 GiB in ``make bench``)."""

    def run(self, rel: str) -> Path:
        """A new run folder ``rel`` under the root."""
        folder = self.root / rel
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def bad(self, path: Path, *words: str, needs: str | None = None) -> None:
        """Record a bad file and the words its message must hold."""
        self.cases.append(Case(path, tuple(w.lower() for w in words), needs))


def csv_text(series: Series, step: str = "step") -> str:
    """A wide CSV (one row per step, empty cells where a metric has no value)."""
    metrics = sorted(series)
    steps = sorted({s for values in series.values() for s in values})
    lines = [",".join([step, *metrics])]
    for s in steps:
        cells = [repr(series[m][s]) if s in series[m] else "" for m in metrics]
        lines.append(",".join([f"{s:g}", *cells]))
    return "\n".join(lines) + "\n"


def jsonl_text(series: Series) -> str:
    """One JSON object per step."""
    steps = sorted({s for values in series.values() for s in values})
    rows = [{"step": s, **{m: v[s] for m, v in series.items() if s in v}} for s in steps]
    return "".join(json.dumps(row) + "\n" for row in rows)


def curve(name: str, n: int = 10, scale: float = 1.0) -> Series:
    """A short decreasing curve of values exact in float32 (TensorBoard's precision)."""
    return {name: {float(s): scale * (2.0 - s / 4096) for s in range(n)}}


def good_runs(c: Corpus) -> None:
    """Plain good runs in three formats: their numbers must never change."""
    c.run("good/csv_run").joinpath("metrics.csv").write_text(csv_text(curve("loss")))
    c.good["good/csv_run"] = curve("loss")
    c.run("good/jsonl_run").joinpath("metrics.jsonl").write_text(jsonl_text(curve("acc")))
    c.good["good/jsonl_run"] = curve("acc")
    binary.tfevents_run(c.run("good/tb_run"), curve("tb_loss"))
    c.good["good/tb_run"] = curve("tb_loss")


BOMB_LIST = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi")]
)
BOMB_MAP = "\n".join(
    ["a: &a {" + ", ".join(f"k{j}: 1" for j in range(9)) + "}"]
    + [
        f"{n}: &{n} {{" + ", ".join(f"k{j}: *{p}" for j in range(9)) + "}"
        for p, n in zip("abcdefgh", "bcdefghi")
    ]
)


def alias_bombs(c: Corpus) -> None:
    """Billion-laughs YAML in every place a YAML config is read, beside good metrics: a
    Lightning ``hparams.yaml``, a W&B ``config.yaml``, DVCLive ``params.yaml``, MLflow
    ``meta.yaml`` (run and experiment) and a Hydra ``.hydra/config.yaml``."""
    needs = "formats: bounded YAML (yamlfile.py)"
    lightning = c.run("bombs/lightning")
    binary.tfevents_run(lightning, curve("loss", scale=2.0))
    (lightning / "hparams.yaml").write_text(BOMB_LIST)
    c.kept["bombs/lightning"] = curve("loss", scale=2.0)
    c.bad(lightning / "hparams.yaml", "alias", "too large", needs=needs)
    wandb = c.run("bombs/wandb/run-20250101_000000-bomb")
    binary.wandb_run(wandb, curve("loss", scale=2.0))
    (wandb / "files" / "config.yaml").write_text(BOMB_MAP)
    c.kept["bombs/wandb/run-20250101_000000-bomb"] = curve("loss", scale=2.0)
    c.bad(wandb / "files" / "config.yaml", "alias", "too large", needs=needs)
    dvc = c.run("bombs/dvclive")
    (dvc / "plots" / "metrics").mkdir(parents=True)
    (dvc / "plots" / "metrics" / "loss.tsv").write_text("step\tloss\n0\t1.5\n1\t1.25\n")
    (dvc / "params.yaml").write_text(BOMB_MAP)
    (dvc / "metrics.json").write_text('{"loss": 1.25, "step": 1}')
    c.kept["bombs/dvclive"] = {"loss": {0.0: 1.5, 1.0: 1.25}}
    c.bad(dvc / "params.yaml", "alias", "too large", needs=needs)
    mlflow = c.run("bombs/mlruns/1/0123456789abcdef")
    (mlflow.parent / "meta.yaml").write_text(BOMB_LIST)
    (mlflow / "meta.yaml").write_text(BOMB_MAP)
    (mlflow / "metrics").mkdir()
    (mlflow / "metrics" / "loss").write_text("1700000000000 1.5 0\n1700000001000 1.25 1\n")
    c.kept["bombs/mlruns/1/0123456789abcdef"] = {"loss": {0.0: 1.5, 1.0: 1.25}}
    c.bad(mlflow / "meta.yaml", "alias", "too large", needs=needs)
    hydra = c.run("bombs/hydra")
    hydra.joinpath("metrics.csv").write_text(csv_text(curve("loss", scale=2.0)))
    (hydra / ".hydra").mkdir()
    (hydra / ".hydra" / "config.yaml").write_text(BOMB_LIST)
    c.kept["bombs/hydra"] = curve("loss", scale=2.0)


def wide_header(c: Corpus) -> None:
    """A CSV header of 100,000 columns (duplicated names) with two rows."""
    names = ["step"] + [f"m{i % 50_000}" for i in range(100_000)]
    rows = ["0," + ",".join("1.5" for _ in names[1:]), "1," + ",".join("0.5" for _ in names[1:])]
    c.run("wide").joinpath("metrics.csv").write_text(
        ",".join(names) + "\n" + "\n".join(rows) + "\n"
    )
    c.kept["wide"] = {"m0": {0.0: 1.5, 1.0: 0.5}}


def huge_sparse(c: Corpus) -> None:
    """Logs whose good start is followed by a hole of NUL bytes (sparse: no disk used)."""
    for rel, name, text in (
        ("sparse/csv", "metrics.csv", csv_text(curve("loss", 5))),
        ("sparse/jsonl", "metrics.jsonl", jsonl_text(curve("loss", 5))),
    ):
        path = c.run(rel) / name
        path.write_text(text)
        os.truncate(path, c.sparse_bytes)
        c.kept[rel] = curve("loss", 5)
        c.bad(path, "nul", "longer than", "incomplete")


def binary_damage(c: Corpus) -> None:
    """TFRecord bit flips and bad length prefixes; W&B bad chunk headers, bad CRCs and
    malformed records. Each keeps its undamaged records."""
    for kind in ("flip", "length"):
        path, kept = binary.damaged_tfevents(c.run(f"tfrecord/{kind}"), kind)
        c.kept[f"tfrecord/{kind}"] = kept
        c.bad(path, "crc", "checksum", "length", needs="formats: TFRecord CRC + resync")
    for kind in ("header", "crc", "record"):
        rel = f"wandb/run-20250101_000000-{kind}"
        path, kept = binary.damaged_wandb(c.run(rel), kind)
        c.kept[rel] = kept
        words = ("malformed record",) if kind == "record" else ("lost", "skipped")
        c.bad(path, *words)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_and_huge_values(c: Corpus) -> None:
    """Deep JSON nesting and 401-digit (and 5,000-digit) integers inside good logs."""
    lines = jsonl_text(curve("loss", 4)).splitlines()
    lines.insert(2, '{"step": 99, "loss": ' + _nested(100_000) + "}")
    lines.insert(3, '{"step": 98, "loss": ' + "9" * 5000 + "}")
    lines.append('{"step": 97, "big": ' + "9" * 401 + "}")
    path = c.run("deep/jsonl").joinpath("metrics.jsonl")
    path.write_text("\n".join(lines) + "\n")
    c.kept["deep/jsonl"] = curve("loss", 4)
    c.bad(path, "nested too deeply")
    hf = c.run("deep/hf_trainer")
    history = [{"step": s, "loss": v} for s, v in curve("loss", 4)["loss"].items()]
    state = {"global_step": 3, "max_steps": 3, "log_history": history}
    text = json.dumps(state)
    text = text.replace('"loss": 1.25}', '"loss": 1.25, "big": ' + "9" * 401 + "}", 1)
    (hf / "trainer_state.json").write_text(text)
    c.kept["deep/hf_trainer"] = curve("loss", 4)
    deep = c.run("deep/hf_nested")
    nested = json.dumps(state).replace('"max_steps": 3', '"max_steps": 3, "x": ' + _nested(50_000))
    (deep / "trainer_state.json").write_text(nested)
    c.bad(deep / "trainer_state.json", "nested too deeply")
    yaml_deep = c.run("deep/yaml")
    binary.tfevents_run(yaml_deep, curve("loss", 3))
    yaml_deep.joinpath("hparams.yaml").write_text("x: " + _nested(20_000) + "\n")
    c.kept["deep/yaml"] = curve("loss", 3)
    c.bad(yaml_deep / "hparams.yaml", "nested too deeply")


def deep_folders(c: Corpus) -> None:
    """A run at the bottom of 1,200 nested folders: discovery stops, names where."""
    top = c.root / "deep_tree"
    bottom = top
    for _ in range(1200):  # os.makedirs recurses once per level
        bottom /= "d"
        bottom.mkdir(parents=bottom.parent == top)
    (bottom / "metrics.csv").write_text(csv_text(curve("loss", 3)))
    c.bad(top, "levels deep")


def odd_names(c: Corpus) -> None:
    """Escape sequences, bidi overrides and markup in folder and metric names; a folder
    name that is not valid UTF-8."""
    for rel in ("names/\x1b]0;pwned\x07title", "names/bidi\u202etxt.exe", "names/[bold]markup[/]"):
        c.run(rel).joinpath("metrics.csv").write_text(csv_text(curve("loss")))
        c.good[rel] = curve("loss")
    series = {**curve("[/]loss"), **curve("a\x1b[2Jb", scale=3.0)}
    c.run("names/metric_markup").joinpath("metrics.csv").write_text(csv_text(series))
    c.good["names/metric_markup"] = series
    raw = os.fsencode(c.root / "names") + b"/latin1_\xe9t\xe9_\xff"
    os.mkdir(raw)
    with open(raw + b"/metrics.csv", "w") as handle:
        handle.write(csv_text(curve("loss")))
    c.good["names/latin1_\\xe9t\\xe9_\\xff"] = curve("loss")


def links_out(c: Corpus) -> None:
    """Links leaving the root (a run outside, ``/``), a loop, and files in runs linking out."""
    outside_run = c.outside / "outside_run"
    outside_run.mkdir(parents=True)
    (outside_run / "metrics.csv").write_text(csv_text({"loss": {0.0: SENTINEL}}))
    (c.outside / "secret.yaml").write_text(f"token: {SENTINEL_TEXT}\nlr: {SENTINEL}\n")
    (c.outside / "secret.csv").write_text(csv_text({"loss": {0.0: SENTINEL}}))
    links = c.run("links")
    (links / "to_outside_run").symlink_to(outside_run)
    (links / "to_slash").symlink_to("/")
    (links / "loop").symlink_to(links)
    c.bad(links / "to_outside_run", "outside the root")
    c.bad(links / "to_slash", "holds the root")
    leak = c.run("links/param_leak")
    binary.tfevents_run(leak, curve("loss", scale=4.0))
    leak.joinpath("hparams.yaml").symlink_to(c.outside / "secret.yaml")
    c.kept["links/param_leak"] = curve("loss", scale=4.0)
    c.bad(leak / "hparams.yaml", "out of the run folder")
    log = c.run("links/log_leak") / "metrics.csv"
    log.symlink_to(c.outside / "secret.csv")
    c.bad(log, "out of the run folder")
    jsonl = c.run("links/loose") / "leak.jsonl"
    jsonl.symlink_to(c.outside / "secret.csv")
    c.bad(jsonl, "outside the root")


def special_files(c: Corpus) -> None:
    """A FIFO, a socket and a device where a log should be."""
    fifo = c.run("special/fifo") / "metrics.csv"
    os.mkfifo(fifo)
    c.bad(fifo, "not a regular file")
    folder = c.run("special/socket")
    here = os.getcwd()
    os.chdir(folder)  # a socket path must be short: bind it relative to its folder
    try:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind("metrics.csv")
        sock.close()
    finally:
        os.chdir(here)
    c.bad(folder / "metrics.csv", "not a regular file", "cannot read")
    device = c.run("special/device") / "metrics.csv"
    device.symlink_to("/dev/zero")
    c.bad(device, "not a regular file", "out of the run folder")


def misnamed_files(c: Corpus) -> None:
    """Files that are not what their name says, named ``metrics.csv``."""
    lfs = c.run("misnamed/lfs") / "metrics.csv"
    lfs.write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 1048576\n"
    )
    c.bad(lfs, "git lfs pointer")
    tsv = c.run("misnamed/tsv") / "metrics.csv"
    tsv.write_text(csv_text(curve("loss")).replace(",", "\t"))
    c.kept["misnamed/tsv"] = curve("loss")
    c.bad(tsv, "tab-separated")
    pickled = c.run("misnamed/pickle") / "metrics.csv"
    pickled.write_bytes(b"\x80\x04\x95" + struct.pack("<Q", 20) + b"}\x94\x8c\x04loss\x94K\x01s.")
    c.bad(pickled, "pickle")


def cut_lines_and_bad_steps(c: Corpus) -> None:
    """Half-written last lines with the right field count; NaN/inf steps in every format."""
    csv = c.run("cut/csv") / "metrics.csv"
    csv.write_text(csv_text(curve("loss", 3)) + "3,9.0")
    c.kept["cut/csv"], c.absent["cut/csv"] = curve("loss", 3), {"loss": {3.0: 9.0}}
    c.bad(csv, "incomplete")
    jsonl = c.run("cut/jsonl") / "metrics.jsonl"
    jsonl.write_text(jsonl_text(curve("loss", 3)) + '{"step": 3, "loss": 9.0}')
    c.kept["cut/jsonl"], c.absent["cut/jsonl"] = curve("loss", 3), {"loss": {3.0: 9.0}}
    c.bad(jsonl, "incomplete")
    hf = c.run("steps/hf_trainer") / "trainer_state.json"
    history = [{"step": s, "loss": v} for s, v in curve("loss", 3)["loss"].items()]
    history += [{"step": float("nan"), "loss": 7.0}, {"step": float("inf"), "loss": 8.0}]
    hf.write_text(json.dumps({"global_step": 2, "log_history": history}))
    c.kept["steps/hf_trainer"] = curve("loss", 3)
    c.bad(hf, "nan or infinite step")
    mlflow = c.run("steps/mlruns/2/fedcba9876543210")
    (mlflow / "meta.yaml").write_text("run_id: fedcba9876543210\nstatus: 3\n")
    (mlflow / "metrics").mkdir()
    (mlflow / "metrics" / "loss").write_text("1700000000000 1.5 0\n1700000001000 7.0 nan\n")
    c.kept["steps/mlruns/2/fedcba9876543210"] = {"loss": {0.0: 1.5}}
    c.bad(mlflow / "metrics", "nan or infinite step")
    steps = c.run("steps/csv") / "metrics.csv"
    steps.write_text(csv_text(curve("loss", 3)) + "inf,7.0\nnan,8.0\n")
    c.kept["steps/csv"] = curve("loss", 3)
    c.bad(steps, "valid 'step'")


CLASSES: tuple[Callable[[Corpus], None], ...] = (
    good_runs,
    alias_bombs,
    wide_header,
    huge_sparse,
    binary_damage,
    deep_and_huge_values,
    deep_folders,
    odd_names,
    links_out,
    special_files,
    misnamed_files,
    cut_lines_and_bad_steps,
)


def build_corpus(
    base: Path, skip: frozenset[str] = frozenset(), sparse_bytes: int = 64 * 2**20
) -> Corpus:
    """Write every class of :data:`CLASSES` not named in ``skip`` under ``base``."""
    corpus = Corpus(base / "root", base / "outside", sparse_bytes=sparse_bytes)
    corpus.root.mkdir(parents=True)
    corpus.outside.mkdir(parents=True)
    for make in CLASSES:
        if make.__name__ not in skip:
            make(corpus)
    for folder in (corpus.root, corpus.outside):
        set_old_mtimes(folder)
    return corpus


def huge_sparse_binary(c: Corpus) -> None:
    """Event files, W&B logs, MLflow metric files and DVCLive TSVs whose good start is
    followed by a hole of NUL bytes, and Trainer states that are or end in one (sparse)."""
    tb = binary.tfevents_run(c.run("sparse/tb"), curve("loss", 5))
    wandb = binary.wandb_run(c.run("sparse/wandb/run-20250101_000000-sparse"), curve("loss", 5))
    mlflow = c.run("sparse/mlruns/3/00112233445566778899aabbccddeeff")
    (mlflow / "meta.yaml").write_text("run_id: 00112233445566778899aabbccddeeff\nstatus: 3\n")
    (mlflow.parent / "meta.yaml").write_text("experiment_id: '3'\nname: sparse\n")
    (mlflow / "metrics").mkdir()
    mlflow_log = mlflow / "metrics" / "loss"
    mlflow_log.write_text(
        "".join(f"1700000000000 {v} {s:g}\n" for s, v in curve("loss", 5)["loss"].items())
    )
    dvc = c.run("sparse/dvclive")
    (dvc / "metrics.json").write_text("{}")
    (dvc / "plots" / "metrics").mkdir(parents=True)
    tsv = dvc / "plots" / "metrics" / "loss.tsv"
    tsv.write_text(
        "step\tloss\n" + "".join(f"{s:g}\t{v}\n" for s, v in curve("loss", 5)["loss"].items())
    )
    for rel, path, words in (
        ("sparse/tb", tb, ("corrupt record length",)),
        ("sparse/wandb/run-20250101_000000-sparse", wandb, ()),
        ("sparse/mlruns/3/00112233445566778899aabbccddeeff", mlflow_log, ("longer than",)),
        ("sparse/dvclive", tsv, ("longer than",)),
    ):
        os.truncate(path, c.sparse_bytes)
        c.kept[rel] = curve("loss", 5)
        if words:
            c.bad(path, *words)
    state = c.run("sparse/hf_nul") / "trainer_state.json"
    state.touch()
    os.truncate(state, c.sparse_bytes)
    c.bad(state, "starts with nul bytes")
    ended = c.run("sparse/hf_tail") / "trainer_state.json"
    ended.write_text(json.dumps({"log_history": [{"step": 1, "loss": 0.5}]}))
    os.truncate(ended, c.sparse_bytes)
    c.bad(ended, "ends in nul bytes")


CLASSES = (*CLASSES, huge_sparse_binary)
