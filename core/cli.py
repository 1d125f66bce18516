"""The headless commands (``summary``, ``compare``, ``report``): load runs, write a report.

No UI import here: the launcher adds these commands to the ``curvelens`` group and passes
optional extras (a text-plot renderer) in :class:`CliServices` as click's context object.
Exit codes: 0 when at least one run loaded, 1 when nothing could be read, 2 on usage errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import click

from curvelens.core.schema import RunData

F = TypeVar("F", bound=Callable[..., Any])


class SeriesRenderer(Protocol):
    """Draws named ``(steps, values)`` series as a plain-text plot (no colour codes)."""

    def __call__(
        self,
        series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
        title: str,
        width: int,
        height: int,
        logy: bool = False,
    ) -> str:
        """The plot as text, ``height`` lines of at most ``width`` characters."""
        ...


@dataclass(frozen=True)
class CliServices:
    """Extras the launcher injects into the headless commands (click's ``ctx.obj``)."""

    render_series: SeriesRenderer | None = None
    """Text-plot renderer for ``report``; None means no text plots."""


def source_options(func: F) -> F:
    """The ``PATH... --pattern --exclude`` arguments every command shares."""
    func = click.option(
        "--exclude",
        multiple=True,
        metavar="GLOB",
        help="Skip runs whose folder matches GLOB (repeatable).",
    )(func)
    func = click.option(
        "--pattern", metavar="GLOB", help="Only runs whose folder name matches GLOB."
    )(func)
    return click.argument(
        "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
    )(func)


def regex_option(value: str | None) -> re.Pattern[str] | None:
    """Compile a ``--metrics``/``--metric`` regex or fail with a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        raise click.BadParameter(f"not a regular expression: {exc}") from exc


def load_or_exit(
    paths: Sequence[Path], pattern: str | None, exclude: Sequence[str]
) -> list[RunData]:
    """Discover and load runs; warnings go to stderr; exit 1 when no run could be read."""
    from curvelens.core.discovery import discover
    from curvelens.core.loading import load_runs

    found = discover(paths, pattern=pattern, exclude=exclude)
    for issue in found.issues:
        click.echo(f"warning: {issue}", err=True)
    runs = load_runs(found.runs)
    for run in runs:
        for issue in run.issues:
            click.echo(f"warning: {issue}", err=True)
        if run.error is not None:
            click.echo(f"error: {run.ref.path}: {run.error}", err=True)
    loaded = [run for run in runs if run.error is None]
    if not loaded:
        where = ", ".join(str(p) for p in paths)
        reason = "no run could be read" if found.runs else "no runs found"
        click.echo(f"curvelens: {reason} under {where}", err=True)
        raise SystemExit(1)
    return loaded


def write_output(text: str, output: Path | None) -> None:
    """Print ``text`` or write it to ``output``."""
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)
        click.echo(f"wrote {output}", err=True)


@click.command("summary")
@source_options
@click.option("--metrics", "metrics", metavar="REGEX", help="Only metrics matching REGEX.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json", "csv"]),
    default="text",
    show_default=True,
)
def summary(
    paths: tuple[Path, ...],
    pattern: str | None,
    exclude: tuple[str, ...],
    metrics: str | None,
    fmt: str,
) -> None:
    """Per run and metric: count, step range, first/last, min/max (with steps), mean, std."""
    from curvelens.core.reports import summary as report

    wanted = regex_option(metrics)
    runs = load_or_exit(paths, pattern, exclude)
    summaries = report.build_summary(runs, wanted)
    writers = {
        "text": report.summary_text,
        "markdown": report.summary_markdown,
        "json": report.summary_json,
        "csv": report.summary_csv,
    }
    click.echo(writers[fmt](summaries), nl=False)


def group_by_path(runs: Sequence[RunData], paths: Sequence[Path]) -> dict[str, list[RunData]]:
    """One group per PATH argument holding the runs found under it, named after it."""
    from curvelens.core.reports.compare import display_names

    names = display_names(runs)
    roots = [p.resolve() for p in paths]
    members: dict[int, list[RunData]] = {}
    for run in runs:
        where = run.ref.path.resolve()
        index = next((i for i, r in enumerate(roots) if where.is_relative_to(r)), 0)
        members.setdefault(index, []).append(run)
    groups: dict[str, list[RunData]] = {}
    for index in sorted(members):
        found = members[index]
        name = (
            names[found[0].ref.id] if len(found) == 1 else (paths[index].name or str(paths[index]))
        )
        while name in groups:
            name += "'"
        groups[name] = found
    return groups


def group_by_param(runs: Sequence[RunData], key: str) -> dict[str, list[RunData]]:
    """One group per value of the parameter ``key`` (``key=<missing>`` when absent)."""
    from curvelens.core.analysis.groups import group_runs

    by_id = {run.ref.id: run for run in runs}
    grouped = group_runs({run.ref.id: dict(run.params) for run in runs}, by=key)
    return {name: [by_id[i] for i in ids] for name, ids in grouped.items()}


@click.command("compare")
@source_options
@click.option("--metric", "metric", metavar="REGEX", help="Only metrics matching REGEX.")
@click.option("--group-by", metavar="KEY", help="Group runs by this param (default: by PATH).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap random seed.")
def compare(
    paths: tuple[Path, ...],
    pattern: str | None,
    exclude: tuple[str, ...],
    metric: str | None,
    group_by: str | None,
    fmt: str,
    output: Path | None,
    seed: int,
) -> None:
    """Compare runs (A B [more...]): finals, divergence, progression, statistics, tests.

    Each PATH is one group (a run or a folder of seeds) unless --group-by is given; the
    first group is the reference the second is compared against.
    """
    import numpy as np

    from curvelens.core.reports.compare import build_compare
    from curvelens.core.reports.compare_writers import compare_json, compare_markdown, compare_text

    if len(paths) < 2 and group_by is None:
        raise click.UsageError("compare needs two PATHs (or --group-by KEY)")
    wanted = regex_option(metric)
    runs = load_or_exit(paths, pattern, exclude)
    groups = group_by_param(runs, group_by) if group_by else group_by_path(runs, paths)
    if len(groups) < 2:
        click.echo("warning: only one group of runs: nothing to compare against", err=True)
    report = build_compare(groups, wanted, np.random.default_rng(seed))
    writers = {"text": compare_text, "markdown": compare_markdown, "json": compare_json}
    write_output(writers[fmt](report), output)


@click.command("report")
@source_options
@click.option(
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the report into (never a run folder).",
)
@click.option("--force", is_flag=True, help="Overwrite files of an earlier report.")
@click.option("--no-png", is_flag=True, help="Skip PNG figures even if matplotlib is there.")
@click.pass_obj
def report(
    services: CliServices | None,
    paths: tuple[Path, ...],
    pattern: str | None,
    exclude: tuple[str, ...],
    output: Path,
    force: bool,
    no_png: bool,
) -> None:
    """Write summaries (text, Markdown), text plots and PNG figures per run into --output."""
    from curvelens.core.reports.figures import png_available
    from curvelens.core.reports.run_report import conflicts, plan_report, write_report

    runs = load_or_exit(paths, pattern, exclude)
    target = output.resolve()
    for run in runs:
        folder = run.ref.path.resolve()
        if folder.is_dir() and target.is_relative_to(folder):
            raise click.UsageError(f"--output {output} lies inside the run folder {folder}")
    render = services.render_series if services is not None else None
    planned = plan_report(runs, output, render, png=png_available() and not no_png)
    existing = conflicts(planned)
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise click.UsageError(f"{existing[0]} exists{more}; use --force to overwrite")
    write_report(planned)
    click.echo(f"wrote {len(planned)} files to {output}", err=True)


#: The headless commands, in the order ``curvelens --help`` lists them.
COMMANDS: tuple[click.Command, ...] = (summary, compare, report)
