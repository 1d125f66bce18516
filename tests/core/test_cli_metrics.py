"""``--metrics REGEX`` reads only the matching metrics and reports exactly what the full
load reports for them; a pattern that matches nothing says so, naming what there is."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from curvelens.cli import cli
from curvelens.core.comparison import build_comparison
from curvelens.core.comparison.options import CompareOptions
from curvelens.core.discovery import discover
from curvelens.core.loading import load_runs
from curvelens.core.reports.compare_json import compare_json
from curvelens.core.reports.grouping import order_by_paths
from tests.core.demo_helpers import demo_folder


def _json(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("cache", [[], ["--no-cache"]])
def test_summary_of_some_metrics_is_the_full_summary_narrowed(
    demo_root: Path, cache: list[str]
) -> None:
    pattern = "^train_loss$|grad"
    full = _json("summary", str(demo_root), "--format", "json", *cache)
    some = _json("summary", str(demo_root), "--format", "json", "--metrics", pattern, *cache)
    assert full.keys() == some.keys() and len(full["runs"]) == len(some["runs"]) > 1
    for run, other in zip(full["runs"], some["runs"], strict=True):
        kept = {m: s for m, s in run.pop("metrics").items() if re.search(pattern, m)}
        assert kept and other.pop("metrics") == kept
        assert run == other


def test_compare_reads_only_the_metric_and_compares_as_the_full_load(demo_root: Path) -> None:
    a = demo_folder(demo_root, "baseline_lr5e-4_seed0")
    b = demo_folder(demo_root, "rope_lr1e-3_seed0")
    runs = load_runs(discover([a, b]).runs, cache=False)
    options = CompareOptions(metrics="loss$")
    want = json.loads(compare_json(build_comparison(order_by_paths(runs, [a, b]), options)))
    for flag in ("--metric", "--metrics"):
        got = _json("compare", str(a), str(b), flag, "loss$", "--format", "json", "--no-cache")
        assert got == want


@pytest.mark.parametrize("command", ["summary", "compare", "report"])
def test_a_pattern_matching_no_metric_names_it_and_the_metrics(
    demo_root: Path, command: str, tmp_path: Path
) -> None:
    args = [command, str(demo_root), "--metrics", "no_such_metric"]
    args += ["--output", str(tmp_path / "out")] if command == "report" else []
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "'no_such_metric' matches no metric" in result.stderr
    assert "train_loss" in result.stderr
    assert not (tmp_path / "out").exists()
