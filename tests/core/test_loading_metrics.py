"""Lazy metrics: a load asked for some metrics equals the full load narrowed to them, from
the cache or not, and never leaves a partial result in the cache."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curvelens.core import readers
from curvelens.core.analysis.summary import summarize
from curvelens.core.cache import ParseCache
from curvelens.core.discovery import discover
from curvelens.core.loading import iter_load, load_run, load_runs
from curvelens.core.readers.base import ReadResult
from curvelens.core.readers.jsonl import JsonlReader
from curvelens.core.schema import RunData, RunRef

_STAMP = 1_500_000_000


def _root(root: Path) -> Path:
    """Runs of three formats: reference (batched), CSV and JSONL, with different metrics."""
    ref = root / "ref_20250101_000000"
    (ref / "logs").mkdir(parents=True)
    (ref / "config.json").write_text('{"lr": 0.1}')
    rows = "".join(f"{s},{1 / s!r},{s / 7 if s % 3 == 0 else ''}\n" for s in range(1, 40))
    (ref / "logs" / "metrics.csv").write_text("step,train_loss,val_acc\n" + rows)
    csv = root / "csvrun"
    csv.mkdir()
    (csv / "metrics.csv").write_text(
        "step,loss,lr\n" + "".join(f"{s},{2 / s!r},0.01\n" for s in range(1, 30))
    )
    jsonl = root / "jsonlrun"
    jsonl.mkdir()
    lines = [f'{{"step": {s}, "loss": {s * 0.5}, "eval/acc": {s / 9}}}\n' for s in range(1, 25)]
    (jsonl / "metrics.jsonl").write_text("".join(lines))
    for path in root.rglob("*"):
        os.utime(path, (_STAMP, _STAMP))
    return root


def _narrowed(full: RunData, wanted: frozenset[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The full run's points and summary rows of ``wanted``."""
    assert full.summary is not None
    keep = pl.col("metric").is_in(list(wanted))
    return full.points.filter(keep), full.summary.filter(keep)


def _assert_narrowed(part: RunData, full: RunData, wanted: frozenset[str]) -> None:
    """``part`` is ``full`` with only ``wanted``'s points and summary, all names listed."""
    points, summary = _narrowed(full, wanted)
    assert part.points.equals(points)
    assert part.summary is not None and part.summary.equals(summary)
    assert part.summary.equals(summarize(part.points))
    if _reads_less(part.ref.format) and part.partial:  # names from the header pass: they
        assert set(part.metrics) >= set(full.metrics)  # may hold columns found empty later
    else:
        assert part.metrics == full.metrics
        assert part.partial == (not wanted.issuperset(full.metrics))
    for name in ("ref", "params", "status", "started", "updated", "resumed", "issues", "error"):
        assert getattr(part, name) == getattr(full, name), name


def _reads_less(format_name: str) -> bool:
    """Whether the format's reader reads less for fewer metrics (overrides read_metrics)."""
    reader = type(readers.get_reader(format_name))
    return reader.read_metrics is not readers.base.Reader.read_metrics


def _entries(store: ParseCache) -> list[Path]:
    return sorted(store.folder.glob("*.json"))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> list[RunRef]:
    refs = discover([_root(tmp_path_factory.mktemp("mixed"))]).runs
    assert sorted(ref.format for ref in refs) == ["csv", "jsonl", "reference"]
    return refs


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    wanted=st.sets(st.sampled_from(["train_loss", "val_acc", "loss", "lr", "eval/acc", "nope"])),
    cached=st.booleans(),
)
def test_a_partial_load_is_the_full_load_narrowed(
    mixed: list[RunRef], tmp_path_factory: pytest.TempPathFactory, wanted: set[str], cached: bool
) -> None:
    store = ParseCache(tmp_path_factory.mktemp("cache"))
    full = load_runs(mixed, cache=store if cached else False)
    if cached:
        assert len(_entries(store)) == len(mixed)
    part = load_runs(mixed, cache=store if cached else False, metrics=wanted)
    for one, whole in zip(part, full, strict=True):
        _assert_narrowed(one, whole, frozenset(wanted))


def test_a_pattern_keeps_the_names_it_matches(mixed: list[RunRef]) -> None:
    full = load_runs(mixed, cache=False)
    part = load_runs(mixed, cache=False, metrics=re.compile("loss$"))
    for one, whole in zip(part, full, strict=True):
        _assert_narrowed(one, whole, frozenset(m for m in whole.metrics if m.endswith("loss")))
        assert one.partial


def test_asking_for_every_metric_is_not_partial(mixed: list[RunRef]) -> None:
    run = load_run(mixed[0], cache=False, metrics=load_run(mixed[0], cache=False).metrics)
    assert not run.partial


def test_names_no_run_has_give_runs_without_points_that_list_theirs(
    mixed: list[RunRef],
) -> None:
    for run in load_runs(mixed, cache=False, metrics={"no_such_metric"}):
        assert run.error is None and run.partial
        assert run.points.height == 0 and run.metrics


def test_one_string_is_refused(mixed: list[RunRef]) -> None:
    with pytest.raises(TypeError, match="not one string"):
        load_runs(mixed, cache=False, metrics="loss")


class _Lazy(JsonlReader):
    """A JSONL reader that reads less for fewer metrics (as the CSV family does)."""

    def __init__(self) -> None:
        self.asked: list[frozenset[str]] = []

    def read_metrics(self, path: Path, metrics: frozenset[str]) -> ReadResult:
        self.asked.append(metrics)
        return super().read_metrics(path, metrics)


@pytest.fixture
def lazy_jsonl(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Lazy]:
    reader = _Lazy()
    swapped = tuple(reader if r.name == "jsonl" else r for r in readers.READERS)
    monkeypatch.setattr(readers, "READERS", swapped)
    yield reader


def _jsonl(refs: Sequence[RunRef]) -> list[RunRef]:
    return [ref for ref in refs if ref.format == "jsonl"]


def test_a_reader_that_reads_less_is_asked_and_never_cached(
    mixed: list[RunRef], lazy_jsonl: _Lazy, tmp_path: Path
) -> None:
    store = ParseCache(tmp_path / "cache")
    refs = _jsonl(mixed)
    (part,) = load_runs(refs, cache=store, metrics={"loss"})
    assert lazy_jsonl.asked == [frozenset({"loss"})]
    assert _entries(store) == []  # a partial parse is not a cache entry
    (full,) = load_runs(refs, cache=store)
    assert len(_entries(store)) == 1
    _assert_narrowed(part, full, frozenset({"loss"}))
    (again,) = load_runs(refs, cache=store, metrics={"loss"})
    assert lazy_jsonl.asked == [frozenset({"loss"})]  # the full entry answered
    _assert_narrowed(again, full, frozenset({"loss"}))
    (whole,) = load_runs(refs, cache=store)
    assert not whole.partial and whole.points.equals(full.points)


def test_the_header_pass_picks_names_for_a_pattern(mixed: list[RunRef], lazy_jsonl: _Lazy) -> None:
    (run,) = load_runs(_jsonl(mixed), cache=False, metrics=re.compile("acc"))
    assert lazy_jsonl.asked == [frozenset({"eval/acc"})]
    assert run.metrics == ["eval/acc", "loss"] and run.partial


def test_iter_load_yields_each_partial_run_once(mixed: list[RunRef], tmp_path: Path) -> None:
    store = ParseCache(tmp_path / "cache")
    load_runs(mixed[:1], cache=store)  # one run cached, the others parsed
    seen = [
        index for batch in iter_load(mixed, cache=store, metrics={"loss"}) for index, _ in batch
    ]
    assert sorted(seen) == list(range(len(mixed)))


def test_the_real_logs_narrowed(real: Path) -> None:
    refs = discover([real]).runs
    full = load_runs(refs, cache=False)
    names = sorted({name for run in full for name in run.metrics})
    wanted = frozenset(names[::3])
    for one, whole in zip(load_runs(refs, cache=False, metrics=wanted), full, strict=True):
        if whole.error is None:
            _assert_narrowed(one, whole, wanted)


def test_a_partial_load_first_leaves_whole_entries(mixed: list[RunRef], tmp_path: Path) -> None:
    store = ParseCache(tmp_path / "cache")
    load_runs(mixed, cache=store, metrics={"loss"})  # batched or reading all: cached whole
    cached_whole = [ref.format != "csv" for ref in mixed]  # a lone CSV log read "loss" only
    assert [store.lookup(ref) is not None for ref in mixed] == cached_whole
    cached, fresh = load_runs(mixed, cache=store), load_runs(mixed, cache=False)
    for one, other in zip(cached, fresh, strict=True):
        assert not one.partial and one.points.equals(other.points)
        assert one.summary is not None and one.summary.equals(other.summary)
