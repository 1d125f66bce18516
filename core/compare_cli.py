"""The ``compare`` and ``report`` commands: one comparison engine behind both.

Both load runs, order them by PATH (the first PATH's group is the reference), build the
comparison (:func:`curvelens.core.comparison.build_comparison`) and write it; ``report``
also writes summaries and plots per group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from curvelens.core.cli import (
    check_output_or_exit,
    group_or_exit,
    grouping_options,
    load_or_exit,
    protected_paths,
    source_options,
)
from curvelens.core.comparison.options import DEFAULT_PERSIST, At, CompareOptions
from curvelens.core.printable import printable

if TYPE_CHECKING:
    from curvelens.core.schema import RunData

F = TypeVar("F", bound=Callable[..., Any])


def at_option(value: str) -> At:
    """``common``, ``last`` (alias ``final``), ``best`` or a step for ``--at`` (exit 2)."""
    if value in ("common", "last", "best"):
        return value  # type: ignore[return-value]
    if value == "final":
        return "last"
    try:
        return float(value)
    except ValueError as exc:
        raise click.BadParameter("expected common, last, best or a step number") from exc


def _regex(value: str | None, name: str) -> str | None:
    """``value`` when it compiles as a regex, else a usage error naming the option."""
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise click.BadParameter(f"not a regular expression: {exc}", param_hint=name) from exc
    return value


def _pattern(value: str | None) -> re.Pattern[str] | None:
    """The compiled ``--metric`` regex (a usage error when it does not compile)."""
    checked = _regex(value, "--metric")
    return None if checked is None else re.compile(checked)


def engine_options(func: F) -> F:
    """The options ``compare`` and ``report`` pass to the comparison engine."""
    options = [
        click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed."),
        click.option("--smoothed", type=click.FloatRange(0, 1, max_open=True), metavar="W",
                     help="Compare EMA-smoothed values (weight W), labelled; default raw."),
        click.option("--test-all", is_flag=True,
                     help="Also test lr, counters, timers and throughput."),
        click.option("--consecutive", "persist", type=click.IntRange(min=1),
                     default=DEFAULT_PERSIST, show_default=True,
                     help="Divergence: aligned steps in a row beyond the noise."),
        click.option("--lower", metavar="REGEX", help="Metrics matching REGEX: lower is better."),
        click.option("--higher", metavar="REGEX", help="Metrics matching REGEX: higher is better."),
        click.option("--at", default="common", show_default=True, metavar="common|last|best|STEP",
                     help="Where runs are compared (common = last step all runs logged)."),
        click.option("--metric", "--metrics", "metric", metavar="REGEX",
                     help="Only metrics matching REGEX (only those are read when possible)."),
    ]  # fmt: skip
    for option in options:
        func = option(func)
    return func


def build_or_exit(
    runs: Sequence[RunData], paths: Sequence[Path], group_by: str | None, no_group: bool,
    **engine: Any,
) -> Any:  # fmt: skip
    """The comparison of ``runs`` in PATH order with the command's options."""
    from curvelens.core.comparison import build_comparison
    from curvelens.core.reports.grouping import order_by_paths

    if group_by is not None and no_group:
        raise click.UsageError("--group-by and --no-group exclude each other")
    options = CompareOptions(
        at=at_option(engine["at"]),
        metrics=_regex(engine["metric"], "--metric"),
        higher=_regex(engine["higher"], "--higher"),
        lower=_regex(engine["lower"], "--lower"),
        group_by=group_by,
        no_group=no_group,
        seed=engine["seed"],
        test_all=engine["test_all"],
        smoothed=engine["smoothed"],
        persist=engine["persist"],
    )
    return build_comparison(order_by_paths(runs, paths), options)


@click.command("compare")
@source_options
@grouping_options
@engine_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
    show_default=True,
)  # fmt: skip
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (never inside a run folder or a PATH).",
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
def compare(
    paths: tuple[Path, ...], pattern: str | None, exclude: tuple[str, ...], group_by: str | None,
    no_group: bool, fmt: str, output: Path | None, force: bool, **engine: Any,
) -> None:  # fmt: skip
    """Compare runs (A B [more...]): a headline, values at matched steps, divergence,
    tests with effect sizes and power, anomalies, overfitting and convergence.

    Seeds of one configuration are grouped automatically (params equal except seed keys and
    per-run values such as ids, paths and timestamps, else the run name without its seed);
    --group-by KEY groups by a param, --no-group keeps runs apart. The first group (from
    the first PATH) is the reference every other group is compared against.
    """
    from curvelens.core.cli import write_output
    from curvelens.core.reports.compare_json import compare_json
    from curvelens.core.reports.compare_writers import compare_markdown, compare_text

    runs = load_or_exit(paths, pattern, exclude, _pattern(engine["metric"]), "--metric")
    protected = protected_paths(paths, runs)
    if output is not None:
        check_output_or_exit(output, protected, force)
    comparison = build_or_exit(runs, paths, group_by, no_group, **engine)
    if len(comparison.groups) < 2:
        click.echo("warning: only one group of runs: nothing to compare against", err=True)
    writers = {"text": compare_text, "markdown": compare_markdown, "json": compare_json}
    write_output(writers[fmt](comparison), output, protected, force)


@click.command("report")
@source_options
@click.option(
    "--output", required=True, type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the report into (never a run folder).",
)  # fmt: skip
@grouping_options
@engine_options
@click.option("--force", is_flag=True, help="Overwrite files of an earlier report.")
@click.option("--no-png", is_flag=True, help="Skip PNG figures even if matplotlib is there.")
def report(
    paths: tuple[Path, ...], pattern: str | None, exclude: tuple[str, ...], output: Path,
    group_by: str | None, no_group: bool, force: bool, no_png: bool, **engine: Any,
) -> None:  # fmt: skip
    """Write summaries (text, Markdown), text plots and PNG figures per run or seed group
    into --output, and with two groups or more the comparison (compare.txt/.md/.json),
    with a README.md index; groups as in ``compare``."""
    from curvelens.core.reports.figures import png_available
    from curvelens.core.reports.run_report import conflicts, plan_report, write_report

    runs = load_or_exit(paths, pattern, exclude, _pattern(engine["metric"]), "--metric")
    folders = protected_paths(paths, runs)
    check_output_or_exit(output / "README.md", folders, force=True)
    grouping = group_or_exit(runs, paths, group_by, no_group)
    comparison = None
    if len(grouping.groups) >= 2:
        comparison = build_or_exit(runs, paths, group_by, no_group, **engine)
    png = png_available() and not no_png
    planned = plan_report(grouping.groups, grouping.how, output, png, comparison)
    for file in planned:
        check_output_or_exit(file.path, folders, force=True)
    existing = conflicts(planned)
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        shown = printable(str(existing[0]))
        raise click.UsageError(f"{shown} exists{more}; use --force to overwrite")
    write_report(planned)
    click.echo(f"wrote {len(planned)} files to {printable(str(output))}", err=True)
