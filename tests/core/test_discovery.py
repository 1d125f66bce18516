"""discover(): walking roots, nesting, skipped folders, symlink loops, filters and odd names."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from curvelens.core.discovery import discover
from curvelens.core.loading import load_run

T = TypeVar("T")


def _run(folder: Path, log: str = "logs/metrics.csv") -> Path:
    (folder / log).parent.mkdir(parents=True, exist_ok=True)
    (folder / log).write_text("step,loss\n1,0.5\n")
    return folder


def _ids(paths: list[Path], pattern: str | None = None, exclude: tuple[str, ...] = ()) -> list[str]:
    return [ref.id for ref in discover(paths, pattern=pattern, exclude=exclude).runs]


def test_roots_are_walked_and_ids_are_relative(tmp_path: Path) -> None:
    _run(tmp_path / "exp" / "b_20250101_000000")
    _run(tmp_path / "exp" / "a_20250101_000000")
    _run(tmp_path / "other" / "lightning_logs" / "version_0", "metrics.csv")
    found = discover([tmp_path])
    assert [r.id for r in found.runs] == [
        "exp/a_20250101_000000",
        "exp/b_20250101_000000",
        "other/lightning_logs/version_0",
    ]
    assert [r.format for r in found.runs] == ["reference", "reference", "csv"]
    assert found.issues == ()


def test_a_run_nested_in_a_run_is_one_run(tmp_path: Path) -> None:
    outer = _run(tmp_path / "outer")
    _run(outer / "inner")
    assert _ids([tmp_path]) == ["outer"]


def test_a_root_that_is_a_run_uses_its_name(tmp_path: Path) -> None:
    run = _run(tmp_path / "solo_20250101_000000")
    (ref,) = discover([run]).runs
    assert (ref.id, ref.name, ref.format) == (
        "solo_20250101_000000",
        "solo_20250101_000000",
        "reference",
    )


def test_checkpoints_hidden_and_virtualenvs_are_skipped(tmp_path: Path) -> None:
    _run(tmp_path / "checkpoints" / "x", "metrics.csv")
    _run(tmp_path / ".cache" / "y", "metrics.csv")
    _run(tmp_path / "env" / "lib" / "z", "metrics.csv")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    _run(tmp_path / "node_modules" / "w", "metrics.csv")
    _run(tmp_path / "real_run", "metrics.csv")
    assert _ids([tmp_path]) == ["real_run"]


def test_symlink_loops_end_and_linked_runs_are_found_once(tmp_path: Path) -> None:
    _run(tmp_path / "data" / "run1", "metrics.csv")
    (tmp_path / "data" / "loop").symlink_to(tmp_path)
    (tmp_path / "alias").symlink_to(tmp_path / "data")
    assert _ids([tmp_path]) == ["data/run1"]  # found once, under its own name


def test_pattern_and_exclude(tmp_path: Path) -> None:
    for name in ["distilgpt2_a", "distilgpt2_b", "gpt2_c"]:
        _run(tmp_path / "exp" / name, "metrics.csv")
    assert _ids([tmp_path], pattern="distilgpt2_*") == ["exp/distilgpt2_a", "exp/distilgpt2_b"]
    assert _ids([tmp_path], exclude=("*_b",)) == ["exp/distilgpt2_a", "exp/gpt2_c"]
    assert _ids([tmp_path], exclude=("exp/gpt2*",)) == ["exp/distilgpt2_a", "exp/distilgpt2_b"]


def test_missing_path_and_unknown_file_are_issues(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    found = discover([tmp_path / "nope", tmp_path / "notes.txt"])
    assert found.runs == ()
    assert [i.path.name for i in found.issues] == ["nope", "notes.txt"]


def test_a_log_file_given_directly(tmp_path: Path) -> None:
    log = tmp_path / "progress.tsv"
    log.write_text("step\tloss\n1\t2\n")
    (ref,) = discover([log]).runs
    assert (ref.id, ref.name, ref.path, ref.format) == ("progress.tsv", "progress", log, "csv")


def test_loose_jsonl_files_are_runs_but_metrics_jsonl_makes_a_folder_run(tmp_path: Path) -> None:
    (tmp_path / "logs" / "q7").mkdir(parents=True)
    (tmp_path / "logs" / "a.jsonl").write_text('{"step": 1, "loss": 2}\n')
    (tmp_path / "logs" / "q7" / "b.jsonl").write_text('{"step": 1, "loss": 2}\n')
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.jsonl").write_text('{"step": 1, "loss": 2}\n')
    (tmp_path / "run" / "extra.jsonl").write_text('{"step": 1, "loss": 2}\n')
    assert _ids([tmp_path]) == ["logs/a.jsonl", "logs/q7/b.jsonl", "run"]


@pytest.mark.parametrize("name", ["with space", "ünïcødé_实验", "new\nline"])
def test_odd_folder_names(tmp_path: Path, name: str) -> None:
    _run(tmp_path / name, "metrics.csv")
    (ref,) = discover([tmp_path]).runs
    assert ref.id == name and ref.path == tmp_path / name


def test_colliding_ids_across_roots_are_made_unique(tmp_path: Path) -> None:
    _run(tmp_path / "one" / "run", "metrics.csv")
    _run(tmp_path / "two" / "run", "metrics.csv")
    assert _ids([tmp_path / "one", tmp_path / "two"]) == ["run", "run#2"]


def test_real_fixture_tree(real: Path) -> None:
    found = discover([real / "custom_experiments", real / "lightning_csv", real / "jsonl"])
    formats = [ref.format for ref in found.runs]
    assert formats.count("reference") == 11
    assert formats.count("csv") == 11
    assert formats.count("jsonl") == 5


def _wandb_run(folder: Path, run_id: str) -> Path:
    (folder / "files").mkdir(parents=True)
    (folder / f"run-{run_id}.wandb").write_bytes(b"")
    return folder


@pytest.mark.parametrize("latest", ["symlink", "copy"])
def test_wandb_latest_run_is_not_a_second_run(tmp_path: Path, latest: str) -> None:
    _wandb_run(tmp_path / "wandb" / "run-20240101_120000-aaa111", "aaa111")
    newest = _wandb_run(tmp_path / "wandb" / "run-20240102_120000-bbb222", "bbb222")
    if latest == "symlink":
        (tmp_path / "wandb" / "latest-run").symlink_to(newest.name)
    else:
        _wandb_run(tmp_path / "wandb" / "latest-run", "bbb222")
    found = discover([tmp_path])
    assert [(r.id, r.name) for r in found.runs] == [
        ("wandb/run-20240101_120000-aaa111", "run-20240101_120000-aaa111"),
        ("wandb/run-20240102_120000-bbb222", "run-20240102_120000-bbb222"),
    ]


def test_wandb_latest_run_copy_of_a_run_not_kept_elsewhere_is_shown(tmp_path: Path) -> None:
    _wandb_run(tmp_path / "wandb" / "run-20240101_120000-aaa111", "aaa111")
    _wandb_run(tmp_path / "wandb" / "latest-run", "ccc333")
    assert _ids([tmp_path]) == ["wandb/latest-run", "wandb/run-20240101_120000-aaa111"]


def test_a_link_to_a_sibling_folder_is_skipped_for_the_sibling(tmp_path: Path) -> None:
    _run(tmp_path / "runs" / "run_7", "metrics.csv")
    (tmp_path / "runs" / "latest").symlink_to("run_7")
    (ref,) = discover([tmp_path]).runs
    assert (ref.id, ref.name) == ("runs/run_7", "run_7")


def test_tensorboard_runs_inside_a_csv_run_are_runs_of_their_own(tmp_path: Path) -> None:
    logs = _run(tmp_path / "sb3" / "logs", "progress.csv")
    for name in ("PPO_1", "PPO_2"):
        (logs / name).mkdir()
        (logs / name / "events.out.tfevents.1675736563.host.1.0").write_bytes(b"")
    (logs / "monitors").mkdir()
    (logs / "monitors" / "0.monitor.csv").write_text("r,l,t\n1,2,3\n")
    found = discover([tmp_path])
    assert [(r.id, r.format) for r in found.runs] == [
        ("sb3/logs", "sb3"),  # monitors/ is part of it
        ("sb3/logs/PPO_1", "tensorboard"),
        ("sb3/logs/PPO_2", "tensorboard"),
    ]


def test_kfold_dvclive_folders_are_runs_of_their_own(tmp_path: Path) -> None:
    for folder in ("dvclive", "dvclive/fold_0", "dvclive/fold_1"):
        (tmp_path / folder / "plots" / "metrics").mkdir(parents=True)
        (tmp_path / folder / "plots" / "metrics" / "loss.tsv").write_text("step\tloss\n0\t1\n")
        (tmp_path / folder / "metrics.json").write_text('{"loss": 1}')
    assert _ids([tmp_path]) == ["dvclive", "dvclive/fold_0", "dvclive/fold_1"]


def test_parts_of_a_run_stay_parts(tmp_path: Path) -> None:
    version = tmp_path / "lightning_logs" / "version_1"
    (version / "1582009443.5208488").mkdir(parents=True)  # add_hparams writes a sub-run here
    (version / "events.out.tfevents.1582009443.host.1.0").write_bytes(b"")
    (version / "1582009443.5208488" / "events.out.tfevents.1582009443.host.1.1").write_bytes(b"")
    _run(tmp_path / "exp_20250101_000000")
    _run(tmp_path / "exp_20250101_000000" / "logs" / "tb", "events.out.tfevents.1.host")
    tube = _run(tmp_path / "test_tube", "metrics.csv")  # tf/ holds the same metrics
    (tube / "meta.experiment").write_text("{}")
    _run(tube / "tf", "events.out.tfevents.1580894116.host.1.0")
    assert _ids([tmp_path]) == ["exp_20250101_000000", "lightning_logs/version_1", "test_tube"]


def _finishes(call: Callable[[], T]) -> T:
    """``call()`` run in a thread, failing the test instead of hanging (a FIFO read blocks)."""
    done: list[T] = []
    worker = threading.Thread(target=lambda: done.append(call()), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert done, "hung"
    return done[0]


def test_unrecognised_file_message_lists_what_the_readers_accept(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (issue,) = discover([tmp_path / "notes.txt"]).issues
    assert "not a log file curvelens reads" in issue.message
    for accepted in ("*.csv", "*.tsv", "*.jsonl", "*.ndjson", "*tfevents*", "trainer_state.json"):
        assert accepted in issue.message


def test_missing_and_broken_link_paths(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    found = discover([tmp_path / "nope", tmp_path / "dangling"])
    assert [i.message for i in found.issues] == [
        "no such file or folder",
        "broken symbolic link (its target does not exist)",
    ]


def test_unreadable_folder_and_path_are_issues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(tmp_path / "ok", "metrics.csv")
    _run(tmp_path / "locked" / "hidden_run", "metrics.csv")
    real_scandir, real_stat = os.scandir, os.stat

    def scandir(path: str) -> Iterator[os.DirEntry[str]]:
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    def stat(path: str | Path, *args: Any, **kwargs: Any) -> os.stat_result:
        if os.fspath(path).endswith("secret"):
            raise PermissionError(13, "Permission denied", path)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    found = discover([tmp_path, tmp_path / "forbidden" / "secret"])
    assert [r.id for r in found.runs] == ["ok"]
    assert [(i.path.name, i.message) for i in found.issues] == [
        ("locked", "cannot list folder: Permission denied"),
        ("secret", "cannot access: Permission denied"),
    ]


def test_fifo_and_device_paths_are_issues_without_a_read(tmp_path: Path) -> None:
    fifo = tmp_path / "metrics.csv"
    os.mkfifo(fifo)
    found = _finishes(lambda: discover([fifo, Path("/dev/null")]))
    assert found.runs == ()
    assert [(i.path, i.message) for i in found.issues] == [
        (fifo, "not a regular file (a named pipe or device), not read"),
        (Path("/dev/null"), "not a regular file (a named pipe or device), not read"),
    ]


def test_fifo_log_inside_a_run_folder_is_a_run_error(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "metrics.csv")
    (ref,) = discover([tmp_path]).runs
    run = _finishes(lambda: load_run(ref))
    assert (
        run.error
        == f"{tmp_path / 'metrics.csv'}: not a regular file (a named pipe or device), not read"
    )


def test_a_root_run_given_as_dot_or_through_a_link_has_its_real_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _run(tmp_path / "lr0.1_seed3", "metrics.csv")
    (tmp_path / "latest").symlink_to(run)
    monkeypatch.chdir(run)
    (dot,) = discover(["."]).runs
    (linked,) = discover([tmp_path / "latest"]).runs
    assert (dot.id, dot.name) == (linked.id, linked.name) == ("lr0.1_seed3", "lr0.1_seed3")
