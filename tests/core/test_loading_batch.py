"""The batched CSV path of loading gives exactly what reading runs one by one gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from curvelens.core.demo import write_demo
from curvelens.core.discovery import discover
from curvelens.core.loading import load_run, load_runs
from curvelens.core.readers import get_reader, tablebatch
from curvelens.core.readers.tablebatch import read_table_files
from curvelens.core.schema import RunData

TS = "_20250101_000000"
HEADER = "step,epoch,loss,acc,mode,grad\n"
EXTRA_LOGS = {
    # the same header as each other, so they share a batch with their neighbours
    "plain_a": HEADER + "1,1,0.5,0.1,a,0.25\n2,1,0.4,0.2,a,0.5\n3,2,0.3,0.3,a,0.75\n",
    "plain_b": HEADER + "1,1,0.9,0.1,b,1.0\n2,1,0.8,,b,1.25\n4,2,0.7,0.4,b,1.5\n",
    "resumed": HEADER
    + "1,1,0.5,0.1,a,1.75\n2,1,0.4,0.2,a,2.0\n3,2,0.3,0.3,a,2.25\n2,1,0.45,0.25,a,2.5\n",
    "eval_rows": HEADER + "1,1,0.5,,a,2.75\n1,1,,0.1,a,3.0\n2,2,0.4,,a,3.25\n2,2,,0.2,a,3.5\n",
    "bad_middle": HEADER + "1,1,0.5,0.1,a,3.75\n2,1,0.4\n3,2,0.3,0.3,a,4.0\n",
    "too_long": HEADER + "1,1,0.5,0.1,a,4.25\n2,1,0.4,0.2,a,4.5,9\n3,2,0.3,0.3,a,4.75\n",
    "not_number": HEADER + "1,1,0.5,0.1,a,5.0\n2,1,n/a,0.2,a,5.25\n3,2,0.3,0.3,a,5.5\n",
    "mixed_text": HEADER + "1,1,0.5,0.1,a,5.75\n2,1,0.4,0.2,3,7\n3,2,0.3,0.3,b,6.0\n",
    "two_modes": HEADER + "1,1,0.5,0.1,a,6.25\n2,2,0.4,0.2,b,6.5\n",
    "one_row": HEADER + "1,1,0.5,0.1,a,6.75\n",
    "constant_float": HEADER + "1,1,0.5,0.1,a,7.0\n2,1,0.5,0.2,a,7.25\n",
    "constant_epoch": HEADER + "1,3,0.5,0.1,a,7.0\n2,3,0.4,0.2,a,7.5\n3,3,0.3,0.3,a,8.0\n",
    "never_finite": HEADER + "1,1,nan,0.1,a,7.5\n2,2,inf,0.2,a,7.75\n",
    "bad_step": HEADER + "1,1,0.5,0.1,a,8.0\nx,1,0.4,0.2,a,8.25\n,1,0.4,0.2,a,8.5\n",
    "cut_last": HEADER + "1,1,0.5,0.1,a,8.75\n2,1,0.4,0.2,a,9.0\n3,2,0.",
    "crlf": HEADER.replace("\n", "\r\n") + "1,1,0.5,0.1,a,9.25\r\n2,1,0.4,0.2,a,9.5\r\n",
    "quoted": HEADER + '1,1,0.5,0.1,"a",7\n2,1,0.4,0.2,"a",7\n',
    "blank_line": HEADER + "1,1,0.5,0.1,a,9.75\n\n2,1,0.4,0.2,a,10.0\n",
    "other_header": "iter,loss,note\n5,0.5,x\n6,0.25,x\n",
    "no_step": "loss,acc\n0.5,0.1\n0.4,0.2\n0.3,0.2\n",
    "time_column": "step,time,loss\n1,1700000000,0.5\n2,1700000010,0.4\n",
    "header_only": HEADER,
    "constant_int": "step,loss,warmup\n1,0.5,100\n2,0.4,100\n",
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo runs plus one reference run per case of :data:`EXTRA_LOGS`."""
    root = tmp_path_factory.mktemp("batch")
    write_demo(root)
    for name, text in EXTRA_LOGS.items():
        logs = root / (name + TS) / "logs"
        logs.mkdir(parents=True)
        (logs / "metrics.csv").write_bytes(text.encode())
        (root / (name + TS) / "config.json").write_text('{"seed": 3, "mode": "config"}')
    return root


def _same(batched: RunData, single: RunData) -> None:
    """Everything a run carries is equal (frames compared by value and dtype)."""
    assert batched.ref == single.ref
    assert batched.points.schema == single.points.schema
    assert batched.points.equals(single.points)
    assert dict(batched.params) == dict(single.params)
    assert list(batched.params) == list(single.params)
    assert batched.issues == single.issues
    assert (batched.resumed, batched.status, batched.error) == (
        single.resumed,
        single.status,
        single.error,
    )
    assert (batched.started, batched.updated) == (single.started, single.updated)


@pytest.mark.parametrize("chunk_bytes", [tablebatch.CHUNK_BYTES, 1, 300])
def test_load_runs_matches_single_reads(
    root: Path, chunk_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``load_runs`` (batched where it can) equals ``load_run`` run by run, for every case,
    whether a group is parsed at once, log by log, or a few logs at a time."""
    monkeypatch.setattr(tablebatch, "CHUNK_BYTES", chunk_bytes)
    refs = discover([root]).runs
    assert len(refs) == 6 + len(EXTRA_LOGS)
    for batched, ref in zip(load_runs(refs), refs, strict=True):
        _same(batched, load_run(ref))


def test_batch_takes_the_simple_logs_and_leaves_the_rest(root: Path) -> None:
    """The batch reads the well-formed logs (sparse, resumed, text params included) and
    leaves the cases that need the line-by-line reader or a single-file rule."""
    refs = {ref.name.removesuffix(TS): ref for ref in discover([root]).runs}
    names = sorted(refs)
    results = get_reader("reference").read_many([refs[name].path for name in names])
    batched = {name for name, result in zip(names, results, strict=True) if result is not None}
    simple = {"plain_a", "plain_b", "resumed", "eval_rows", "two_modes"}
    simple |= {"never_finite", "other_header", "no_step", "constant_epoch"}
    assert simple <= batched
    left = {"bad_middle", "too_long", "not_number", "mixed_text", "constant_float"}
    left |= {"bad_step", "cut_last", "crlf", "quoted", "blank_line", "time_column"}
    left |= {"header_only", "constant_int", "one_row"}  # one row: types are not guessed
    assert not left & batched
    assert any(name.startswith("baseline") for name in batched)  # demo runs batch too


def test_read_table_files_keeps_order_and_marks_unreadable(tmp_path: Path) -> None:
    """A missing file gives None in its place; the others keep their positions."""
    good = tmp_path / "a.csv"
    good.write_text("step,loss\n1,0.5\n2,0.25\n")
    results = read_table_files([tmp_path / "missing.csv", good], ",")
    assert results[0] is None
    assert results[1] is not None
    assert results[1].points.get_column("value").to_list() == [0.5, 0.25]


def test_csv_runs_batch_like_single_reads(tmp_path: Path) -> None:
    """Lightning-style ``metrics.csv`` folders and ``.tsv`` files given directly: batched
    results equal single reads, and the simple ones were batched."""
    logs = {
        "a/metrics.csv": "step,loss,stage\n1,0.5,fit\n2,0.25,fit\n3,0.125,fit\n",
        "b/metrics.csv": "step,loss,stage\n1,0.5,fit\n1,0.4,fit\n2,0.3,fit\n",
        "c/metrics.csv": "step,loss,stage\n1,0.5,fit\n2,0.25\n",
        "d.tsv": "step\tloss\n1\t0.5\n2\t0.25\n",
    }
    for name, text in logs.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    refs = [*discover([tmp_path]).runs, *discover([tmp_path / "d.tsv"]).runs]
    assert sorted(ref.format for ref in refs) == ["csv"] * 4
    for batched, ref in zip(load_runs(refs), refs, strict=True):
        _same(batched, load_run(ref))
    results = get_reader("csv").read_many([ref.path for ref in refs])
    batched_names = {ref.path.name for ref, result in zip(refs, results) if result is not None}
    assert batched_names == {"a", "b", "d.tsv"}
