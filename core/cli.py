"""The headless commands (``summary``, ``compare``, ``report``, ``tail``): load runs, write a
report, or follow runs as they are written.

No UI import here: the launcher adds these commands to the ``curvelens`` group and passes
optional extras (a text-plot renderer) in :class:`CliServices` as click's context object.
Exit codes: 0 when at least one run loaded, 1 when nothing could be read, 2 on usage errors.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import click

from curvelens.core.analysis.pairwise import DEFAULT_CONSECUTIVE, DEFAULT_THRESHOLD
from curvelens.core.printable import printable
from curvelens.core.schema import RunData

if TYPE_CHECKING:
    from curvelens.core.analysis.groups import ScalarAt
    from curvelens.core.reports.grouping import Grouping

F = TypeVar("F", bound=Callable[..., Any])
FOLLOW_LINKS = "curvelens.follow_links"
"""``click.Context.meta`` key of the ``--follow-links`` flag."""


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
    func = click.option(
        "--follow-links",
        is_flag=True,
        expose_value=False,
        callback=_remember_follow_links,
        help="Enter symlinked folders that lead outside PATH.",
    )(func)
    return click.argument(
        "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
    )(func)


def _remember_follow_links(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """Keep ``--follow-links`` in the context for :func:`load_or_exit`."""
    ctx.meta[FOLLOW_LINKS] = value


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

    follow = bool(click.get_current_context().meta.get(FOLLOW_LINKS, False))
    found = discover(paths, pattern=pattern, exclude=exclude, follow_links=follow)
    for issue in found.issues:
        click.echo(f"warning: {printable(str(issue))}", err=True)
    runs = load_runs(found.runs)
    for run in runs:
        for issue in run.issues:
            click.echo(f"warning: {printable(str(issue))}", err=True)
        if run.error is not None:  # the error names the file that failed
            click.echo(f"error: {printable(run.error)}", err=True)
    loaded = [run for run in runs if run.error is None]
    if not loaded:
        where = ", ".join(str(p) for p in paths)
        reason = "no run could be read" if found.runs else "no runs found"
        click.echo(f"curvelens: {reason} under {where}", err=True)
        raise SystemExit(1)
    return loaded


def write_output(text: str, output: Path | None, protected: Sequence[Path], force: bool) -> None:
    """Print ``text`` or write it to ``output`` (never into ``protected`` folders, never over
    a file without ``force``: :mod:`curvelens.core.outputs`)."""
    from curvelens.core.outputs import write_text

    if output is None:
        click.echo(printable(text, keep="\n\t"), nl=False)
        return
    check_output_or_exit(output, protected, force)
    write_text(output, text, force)
    click.echo(f"wrote {printable(str(output))}", err=True)


def check_output_or_exit(output: Path, protected: Sequence[Path], force: bool) -> None:
    """Exit 2 with the reason when ``output`` must not be written."""
    from curvelens.core.outputs import OutputError, check_output

    try:
        check_output(output, protected, force)
    except OutputError as exc:
        raise click.UsageError(printable(str(exc))) from None


def protected_paths(paths: Sequence[Path], runs: Sequence[RunData]) -> tuple[Path, ...]:
    """The folders no output may go into: the given paths and every run's folder."""
    from curvelens.core.outputs import protected_folders

    return protected_folders(paths, [run.ref.path for run in runs])


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
    click.echo(printable(writers[fmt](summaries), keep="\n\t"), nl=False)


def grouping_options(func: F) -> F:
    """The ``--group-by KEY`` / ``--no-group`` options ``compare`` and ``report`` share."""
    func = click.option(
        "--no-group", is_flag=True, help="Keep every run on its own (no seed groups)."
    )(func)
    return click.option(
        "--group-by",
        metavar="KEY",
        help="Group runs by this param (default: seeds grouped automatically).",
    )(func)


def group_or_exit(
    runs: Sequence[RunData], paths: Sequence[Path], group_by: str | None, no_group: bool
) -> Grouping:
    """Order runs by PATH and group them as the options ask (exit 2 on a conflict)."""
    from curvelens.core.reports.grouping import group, order_by_paths

    if group_by is not None and no_group:
        raise click.UsageError("--group-by and --no-group exclude each other")
    ordered = order_by_paths(runs, paths)
    if no_group:
        return group(ordered, "none")
    return group(ordered, "param", group_by) if group_by else group(ordered, "auto")


def at_option(value: str) -> ScalarAt:
    """``final``, ``best`` or a step number for ``--at`` (exit 2 otherwise)."""
    if value in ("final", "best"):
        return value  # type: ignore[return-value]
    try:
        return float(value)
    except ValueError as exc:
        raise click.BadParameter("expected final, best or a step number") from exc


@click.command("compare")
@source_options
@click.option("--metric", "metric", metavar="REGEX", help="Only metrics matching REGEX.")
@grouping_options
@click.option(
    "--at",
    default="final",
    show_default=True,
    metavar="final|best|STEP",
    help="Per-run value the group statistics and tests use.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(min=0),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Divergence: relative gap |b/a - 1| that counts as apart.",
)
@click.option(
    "--consecutive",
    type=click.IntRange(min=1),
    default=DEFAULT_CONSECUTIVE,
    show_default=True,
    help="Divergence: aligned steps in a row that must be apart.",
)
@click.option("--interpolate", is_flag=True, help="Interpolate instead of common steps only.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (never inside a run folder or a PATH).",
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap random seed.")
def compare(
    paths: tuple[Path, ...],
    pattern: str | None,
    exclude: tuple[str, ...],
    metric: str | None,
    group_by: str | None,
    no_group: bool,
    at: str,
    threshold: float,
    consecutive: int,
    interpolate: bool,
    fmt: str,
    output: Path | None,
    force: bool,
    seed: int,
) -> None:
    """Compare runs (A B [more...]): finals, divergence, progression, statistics, tests,
    anomalies, overfitting and convergence.

    Seeds of one configuration are grouped automatically (params that differ only in a
    seed key, else the run name without its seed part); --group-by KEY groups by a param,
    --no-group keeps runs apart. The first group (from the first PATH) is the reference
    every other group is compared against.
    """
    import numpy as np

    from curvelens.core.reports.compare import Settings, build_compare
    from curvelens.core.reports.compare_json import compare_json
    from curvelens.core.reports.compare_writers import compare_markdown, compare_text

    wanted = regex_option(metric)
    settings = Settings(at_option(at), threshold, consecutive, interpolate)
    runs = load_or_exit(paths, pattern, exclude)
    if output is not None:
        check_output_or_exit(output, protected_paths(paths, runs), force)
    grouping = group_or_exit(runs, paths, group_by, no_group)
    if len(grouping.groups) < 2:
        click.echo("warning: only one group of runs: nothing to compare against", err=True)
    report = build_compare(
        grouping.groups, grouping.how, wanted, np.random.default_rng(seed), settings
    )
    writers = {"text": compare_text, "markdown": compare_markdown, "json": compare_json}
    write_output(writers[fmt](report), output, protected_paths(paths, runs), force)


@click.command("report")
@source_options
@click.option(
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the report into (never a run folder).",
)
@grouping_options
@click.option("--force", is_flag=True, help="Overwrite files of an earlier report.")
@click.option("--no-png", is_flag=True, help="Skip PNG figures even if matplotlib is there.")
@click.pass_obj
def report(
    services: CliServices | None,
    paths: tuple[Path, ...],
    pattern: str | None,
    exclude: tuple[str, ...],
    group_by: str | None,
    no_group: bool,
    output: Path,
    force: bool,
    no_png: bool,
) -> None:
    """Write summaries (text, Markdown), text plots and PNG figures per run or seed group
    into --output, with a README.md index; groups as in ``compare``."""
    from curvelens.core.reports.figures import png_available
    from curvelens.core.reports.run_report import conflicts, plan_report, write_report

    runs = load_or_exit(paths, pattern, exclude)
    folders = protected_paths(paths, runs)
    check_output_or_exit(output / "README.md", folders, force=True)
    render = services.render_series if services is not None else None
    grouping = group_or_exit(runs, paths, group_by, no_group)
    png = png_available() and not no_png
    planned = plan_report(grouping.groups, grouping.how, output, render, png)
    for file in planned:
        check_output_or_exit(file.path, folders, force=True)
    existing = conflicts(planned)
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        shown = printable(str(existing[0]))
        raise click.UsageError(f"{shown} exists{more}; use --force to overwrite")
    write_report(planned)
    click.echo(f"wrote {len(planned)} files to {printable(str(output))}", err=True)


@click.command("tail")
@source_options
@click.option("--metrics", "metrics", metavar="REGEX", help="Only metrics matching REGEX.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True
)
@click.option("--from-start", is_flag=True, help="Print the points already written first.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=2.0,
    show_default=True,
    help="Seconds between polls (longer automatically when a poll is slow).",
)
def tail(
    paths: tuple[Path, ...],
    pattern: str | None,
    exclude: tuple[str, ...],
    metrics: str | None,
    fmt: str,
    from_start: bool,
    interval: float,
) -> None:
    """Print each new point as it is written, one line per point; new runs are followed
    too. Ctrl-C stops (exit 0)."""
    import sys

    from curvelens.core.live.follow import follow

    wanted = regex_option(metrics)

    def out(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError):
        follow(
            paths,
            pattern=pattern,
            exclude=exclude,
            metrics=wanted,
            fmt=fmt,
            from_start=from_start,
            interval=interval,
            out=out,
            err=lambda text: click.echo(text, err=True, nl=False),
        )


#: The headless commands, in the order ``curvelens --help`` lists them.
COMMANDS: tuple[click.Command, ...] = (summary, compare, report, tail)
