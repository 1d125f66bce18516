"""The app's compare pane shows the numbers ``curvelens compare --format json`` writes for the
same runs, metric and reference group (one engine, one number format): compared values,
group means and std, divergence step, Welch p, Hedges' g and P(improvement), read from the
text the pane renders."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from rich.console import Console
from textual.widgets import Static

from curvelens.cli import cli
from curvelens.core.naming import shorten
from curvelens.core.reports.format import fmt_step, fmt_value
from curvelens.tui.app import CurvelensApp
from curvelens.tui.widgets.compare_table import NAME_WIDTH, CompareTable

from .conftest import settle
from .test_analysis_app import SIZE, analysed, move_to

METRIC = "train_loss"


def cli_metric(root: Path) -> dict[str, Any]:
    """The JSON ``compare`` writes for every demo run on :data:`METRIC`."""
    result = CliRunner().invoke(cli, ["compare", str(root), "--metric", f"^{METRIC}$",
                                      "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # the bad line of the fixture is warned on stderr
    (metric,) = report["metrics"]
    assert metric["metric"] == METRIC and report["reference"] == metric["groups"][0]["name"]
    return dict(metric)


def pane_text(app: CurvelensApp) -> list[str]:
    """The compare pane's body as the user reads it, one string per line."""
    body = app.main.query_one(CompareTable).query_one("#compare-body", Static)
    out = io.StringIO()
    Console(file=out, width=400, color_system=None).print(body.content)
    return [line.strip() for line in out.getvalue().splitlines()]


def row_of(lines: list[str], name: str) -> list[str]:
    """The cells of the table row that starts with ``name`` as the pane shortens it (table
    rows hold no ``:``; the pair and note lines do)."""
    short = shorten(name, NAME_WIDTH) + " "
    (line,) = [ln for ln in lines if ln.startswith(short) and ":" not in ln]
    return line[len(shorten(name, NAME_WIDTH)) :].split()


async def test_compare_pane_shows_the_cli_numbers(demo_root: Path, app: CurvelensApp) -> None:
    expected = cli_metric(demo_root)
    reference = expected["groups"][0]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await move_to(app, pilot, reference["runs"][0])
        await pilot.press("b")  # the baseline: a run of the CLI's reference group
        await pilot.press("a")  # every run, as the CLI compares them
        assert app.main.view.metric == METRIC
        await analysed(app, pilot)
        lines = pane_text(app)
    assert len(expected["runs"]) == 6
    for run in expected["runs"]:
        cells = row_of(lines, run["name"])
        assert cells[0] == run["group"]
        assert cells[1] == fmt_value(run["value"])  # null (a diverged run) shows as "-"
    for group in expected["groups"]:
        cells = row_of(lines, group["name"])
        assert cells[:4] == [f"{group['n_used']}/{group['n']}", fmt_value(group["final_mean"]),
                             "±", fmt_value(group["final_std"])]  # fmt: skip
    test = expected["group_test"]
    (pair,) = [ln for ln in lines if ln.startswith(f"{test['b']} vs {test['a']}:")]
    assert f"diverges @ {fmt_step(expected['divergence']['step'])} " in pair
    assert f"Welch p = {fmt_value(test['welch_p'])} " in pair
    assert f"Hedges' g = {fmt_value(test['hedges_g'])} " in pair
    assert f"P(improvement) = {fmt_value(test['prob_improvement'])}" in pair
