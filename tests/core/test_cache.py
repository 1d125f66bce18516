"""The parse cache gives exactly what a fresh parse gives, whatever happened to the logs or to
the cache itself (corrupt, other version, two writers, not writable)."""

from __future__ import annotations

import multiprocessing
import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import orjson
import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curvelens.cli import cli
from curvelens.core.analysis.summary import summarize
from curvelens.core.cache import CacheWarning, ParseCache, open_cache
from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.schema import RunData, RunRef
from tests.conftest import ROOT
from tests.core.cache_worker import fill

HEADER = "step,train_loss,val_loss,note\n"
_clock = iter(range(1_000_000_000, 2_000_000_000, 7))


def _settle(*paths: Path) -> None:
    """Give ``paths`` a distinct modification time well in the past (a finished log)."""
    stamp = next(_clock)
    for path in paths:
        os.utime(path, (stamp, stamp))


def _row(step: int, value: float, eval_too: bool) -> str:
    return f"{step},{value!r},{value / 2!r},x\n" if eval_too else f"{step},{value!r},,x\n"


def _run_folder(root: Path, name: str, rows: list[str]) -> Path:
    folder = root / f"{name}_20250101_000000"
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text('{"lr": 0.001, "model": {"depth": 4}}')
    (folder / "logs" / "metrics.csv").write_text(HEADER + "".join(rows))
    _settle(folder / "config.json", folder / "logs" / "metrics.csv")
    return folder


def _same(cached: RunData, fresh: RunData) -> None:
    """Every field of two loaded runs is equal, points and summary included."""
    for name in ("ref", "params", "status", "started", "updated", "resumed", "issues", "error"):
        assert getattr(cached, name) == getattr(fresh, name), name
    assert cached.points.schema == fresh.points.schema
    assert cached.points.equals(fresh.points)
    assert cached.summary is not None and fresh.summary is not None
    assert cached.summary.equals(fresh.summary)
    assert cached.summary.equals(summarize(fresh.points))


def _load(root: Path, cache: ParseCache | bool) -> list[RunData]:
    return load_runs(discover([root]).runs, cache=cache)


def _assert_like_fresh(root: Path, cache: ParseCache | bool = True) -> list[RunData]:
    cached = _load(root, cache)
    fresh = _load(root, cache=False)
    assert len(cached) == len(fresh)
    for one, other in zip(cached, fresh, strict=True):
        _same(one, other)
    return cached


def _entries(folder: Path) -> list[Path]:
    return sorted((folder / "v1").glob("*.json"))


edits = st.lists(
    st.tuples(
        st.sampled_from(["append", "truncate", "rewrite", "config", "none"]),
        st.lists(st.tuples(st.floats(-1e6, 1e6), st.booleans()), min_size=0, max_size=6),
        st.integers(0, 400),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=edits)
def test_cache_equals_a_fresh_parse_over_appends_truncations_and_rewrites(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[str, list[tuple[float, bool]], int]]
) -> None:
    root = tmp_path_factory.mktemp("root")
    store = ParseCache(tmp_path_factory.mktemp("cache"))
    folder = _run_folder(root, "a", [_row(s, 1.0 / s, s % 3 == 0) for s in range(1, 20)])
    log, config = folder / "logs" / "metrics.csv", folder / "config.json"
    _run_folder(root, "b", [_row(1, 0.5, True)])
    _assert_like_fresh(root, store)
    step = 100
    for kind, values, cut in edits:
        rows = []
        for value, eval_too in values:
            step += 1
            rows.append(_row(step, value, eval_too))
        if kind == "append":
            with log.open("a") as handle:
                handle.write("".join(rows))
        elif kind == "truncate":
            with log.open("r+") as handle:
                handle.truncate(max(len(HEADER), min(cut, log.stat().st_size)))
        elif kind == "rewrite":
            log.write_text(HEADER + "".join(rows))
        elif kind == "config":
            config.write_text(f'{{"lr": {cut}}}')
        _settle(log, config)
        _assert_like_fresh(root, store)
        _assert_like_fresh(root, store)  # the second load is served from the cache
        points_files = list(store.folder.glob("*.arrow"))
        assert len(points_files) == len(list(store.folder.glob("*.json")))  # old ones gone


def test_an_unchanged_root_is_served_from_the_cache(tmp_path: Path, own_cache_dir: Path) -> None:
    _run_folder(tmp_path, "a", [_row(s, 1.0 / s, s % 2 == 0) for s in range(1, 50)])
    _assert_like_fresh(tmp_path)
    assert len(_entries(own_cache_dir)) == 1
    refs = discover([tmp_path]).runs
    entry = open_cache().lookup(refs[0])
    assert entry is not None and entry.summary["metric"] == ["train_loss", "val_loss"]
    assert open_cache().grown(entry) == []


def test_appended_bytes_are_named_for_an_incremental_read(tmp_path: Path) -> None:
    folder = _run_folder(tmp_path, "a", [_row(s, 1.0, False) for s in range(1, 5)])
    log = folder / "logs" / "metrics.csv"
    _load(tmp_path, True)
    store = open_cache()
    ref = discover([tmp_path]).runs[0]
    entry = store.lookup(ref)
    assert entry is not None
    size = log.stat().st_size
    with log.open("a") as handle:
        handle.write(_row(9, 2.0, True))
    _settle(log)
    (grown,) = store.grown(entry)
    assert (grown.path, grown.size) == (str(log), size)
    assert store.lookup(ref) is None  # changed: not valid as a whole any more
    stale = store.entry(ref)
    assert stale is not None and store.grown(stale) == [grown]
    prefix = stale.load_points()  # the points of the bytes before ``size``
    assert prefix.height == 4 and prefix.equals(entry.load_points())
    _assert_like_fresh(tmp_path)


def test_a_log_changed_just_now_is_not_cached(tmp_path: Path, own_cache_dir: Path) -> None:
    folder = _run_folder(tmp_path, "a", [_row(1, 1.0, False)])
    (folder / "logs" / "metrics.csv").touch()  # being written: maybe half a line
    _load(tmp_path, True)
    assert _entries(own_cache_dir) == []


@pytest.mark.parametrize("damage", ["meta", "points", "version", "truncated"])
def test_a_damaged_or_foreign_entry_is_ignored_and_rebuilt(
    tmp_path: Path, own_cache_dir: Path, damage: str
) -> None:
    _run_folder(tmp_path, "a", [_row(s, s * 0.5, True) for s in range(1, 30)])
    _load(tmp_path, True)
    (meta,) = _entries(own_cache_dir)
    (points,) = (own_cache_dir / "v1").glob("*.arrow")
    if damage == "meta":
        meta.write_bytes(b"\x00garbage{")
    elif damage == "points":
        points.write_bytes(b"not arrow at all")
    elif damage == "version":
        data = orjson.loads(meta.read_bytes())
        data["version"] = "0.0.0-other"
        meta.write_bytes(orjson.dumps(data))
    else:
        meta.write_bytes(meta.read_bytes()[:50])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a warning
        _assert_like_fresh(tmp_path)
    assert open_cache().lookup(discover([tmp_path]).runs[0]) is not None  # rebuilt
    _assert_like_fresh(tmp_path)


def test_two_processes_filling_one_cache_at_once(
    tmp_path: Path, own_cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(12):
        _run_folder(tmp_path, f"r{i}", [_row(s, s / (i + 1), s % 4 == 0) for s in range(1, 300)])
    monkeypatch.syspath_prepend(str(ROOT))  # the spawned workers import tests.core
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        first, second = pool.map(fill, [str(tmp_path)] * 2, timeout=240)
    assert first == second == fill(str(tmp_path))
    assert len(_entries(own_cache_dir)) == 12
    assert not [p for p in (own_cache_dir / "v1").iterdir() if ".tmp-" in p.name]
    store = open_cache()
    assert all(store.lookup(ref) is not None for ref in discover([tmp_path]).runs)
    _assert_like_fresh(tmp_path)


def test_a_cache_that_cannot_be_written_warns_once_and_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("CURVELENS_CACHE_DIR", str(blocker / "cache"))
    root = tmp_path / "root"
    for i in range(3):
        _run_folder(root, f"r{i}", [_row(s, 1.0 / s, True) for s in range(1, 10)])
    with pytest.warns(CacheWarning, match="not writable") as caught:
        _assert_like_fresh(root)
    assert len(caught) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_cache_dir_warns_and_loads(tmp_path: Path, own_cache_dir: Path) -> None:
    _run_folder(tmp_path / "root", "a", [_row(1, 1.0, True)])
    own_cache_dir.chmod(0o500)
    try:
        with pytest.warns(CacheWarning):
            _assert_like_fresh(tmp_path / "root")
    finally:
        own_cache_dir.chmod(0o700)


def test_least_recently_used_entries_go_first(tmp_path: Path, own_cache_dir: Path) -> None:
    for i in range(4):
        _run_folder(tmp_path, f"r{i}", [_row(s, float(s), True) for s in range(1, 200)])
    refs = discover([tmp_path]).runs
    load_runs(refs)
    store = open_cache()
    metas = {ref.id: own_cache_dir / "v1" / f"{store.key(ref)}.json" for ref in refs}
    for age, ref in enumerate(refs):  # r0 used longest ago ... r3 most recently
        os.utime(metas[ref.id], (1_000_000 + age, 1_000_000 + age))
    info = store.info()
    assert info.entries == 4
    store.evict(max_bytes=info.bytes // 2 + 1)
    kept = [ref.id for ref in refs if store.lookup(ref) is not None]
    assert kept == [ref.id for ref in refs[2:]]
    assert store.info().bytes <= info.bytes // 2 + 1


def test_nothing_is_written_into_run_folders(tmp_path: Path) -> None:
    _run_folder(tmp_path, "a", [_row(s, 1.0, True) for s in range(1, 9)])
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    _load(tmp_path, True)
    _load(tmp_path, True)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_cli_no_cache_info_and_clear(tmp_path: Path, own_cache_dir: Path) -> None:
    _run_folder(tmp_path, "a", [_row(s, 1.0 / s, True) for s in range(1, 9)])
    runner = CliRunner()
    uncached = runner.invoke(cli, ["summary", str(tmp_path), "--format", "json", "--no-cache"])
    assert uncached.exit_code == 0, uncached.output
    assert _entries(own_cache_dir) == []
    cached = runner.invoke(cli, ["summary", str(tmp_path), "--format", "json"])
    assert cached.stdout == uncached.stdout
    assert len(_entries(own_cache_dir)) == 1
    warm = runner.invoke(cli, ["summary", str(tmp_path), "--format", "json"])
    assert warm.stdout == uncached.stdout
    info = runner.invoke(cli, ["cache", "info"])
    assert str(own_cache_dir) in info.output and "runs:     1" in info.output
    cleared = runner.invoke(cli, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 2 files" in cleared.output
    assert _entries(own_cache_dir) == []


def test_cached_points_gone_later_are_parsed_again(tmp_path: Path, own_cache_dir: Path) -> None:
    _run_folder(tmp_path, "a", [_row(s, 2.0 * s, s % 2 == 0) for s in range(1, 40)])
    _load(tmp_path, True)
    (run,) = _load(tmp_path, True)  # points not read yet
    for path in (own_cache_dir / "v1").glob("*.arrow"):
        path.unlink()  # evicted by another process meanwhile
    (fresh,) = _load(tmp_path, False)
    assert run.points.equals(fresh.points)


def test_a_cache_entry_never_answers_for_another_run(tmp_path: Path) -> None:
    a = _run_folder(tmp_path, "a", [_row(1, 1.0, True)])
    b = _run_folder(tmp_path, "b", [_row(1, 9.0, True)])
    store = open_cache()
    refs = [RunRef(p.name, p.name, p, "reference") for p in (a, b)]
    load_runs(refs)
    assert store.key(refs[0]) != store.key(refs[1])
    runs = load_runs(refs)
    assert [run.points["value"].to_list()[0] for run in runs] == [1.0, 9.0]
    assert pl.concat([run.points for run in runs]).height == 4


def test_a_load_keeps_the_cache_under_its_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CURVELENS_CACHE_MAX_MB", "0.05")
    for i in range(6):
        _run_folder(tmp_path, f"r{i}", [_row(s, float(s), True) for s in range(1, 400)])
    _assert_like_fresh(tmp_path)
    info = open_cache().info()
    assert info.max_bytes == int(0.05 * 2**20)
    assert 0 < info.entries < 6 and info.bytes <= info.max_bytes
