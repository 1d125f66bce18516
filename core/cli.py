"""The headless commands (``summary``, ``compare``, ``report``, ``tail``): load runs, write a
report, or follow runs as they are written.

No UI import here: the launcher adds these commands to the ``curvelens`` group.
Exit codes: 0 when at least one run loaded, 1 when nothing could be read, 2 on usage errors.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from curvelens.core.printable import printable

if TYPE_CHECKING:
    from curvelens.core.reports.grouping import Grouping
    from curvelens.core.schema import RunData

F = TypeVar("F", bound=Callable[..., Any])
FOLLOW_LINKS = "curvelens.follow_links"
"""``click.Context.meta`` key of the ``--follow-links`` flag."""


NO_CACHE = "curvelens.no_cache"
"""``click.Context.meta`` key of the ``--no-cache`` flag."""


def _remember(key: str) -> Callable[[click.Context, click.Parameter, bool], None]:
    """A callback keeping a flag's value in ``ctx.meta[key]``."""

    def callback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        ctx.meta[key] = value

    return callback


def selection_options(func: F) -> F:
    """``--pattern --exclude --no-cache --follow-links``: which runs, and how they are read
    (every command and the app's ``open``; the flags land in ``click.Context.meta``)."""
    func = click.option(
        "--no-cache",
        is_flag=True,
        expose_value=False,
        callback=_remember(NO_CACHE),
        help="Parse every log again; neither read nor fill the parse cache.",
    )(func)
    func = click.option(
        "--exclude",
        multiple=True,
        metavar="GLOB",
        help="Skip runs whose folder matches GLOB (repeatable).",
    )(func)
    func = click.option(
        "--pattern", metavar="GLOB", help="Only runs whose folder name matches GLOB."
    )(func)
    return click.option(
        "--follow-links",
        is_flag=True,
        expose_value=False,
        callback=_remember(FOLLOW_LINKS),
        help="Enter symlinked folders that lead outside PATH.",
    )(func)


def source_options(func: F) -> F:
    """The ``PATH... --pattern --exclude --no-cache --follow-links`` arguments every command
    shares."""
    return click.argument(
        "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
    )(selection_options(func))


def regex_option(value: str | None) -> re.Pattern[str] | None:
    """Compile a ``--metrics``/``--metric`` regex or fail with a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        raise click.BadParameter(f"not a regular expression: {exc}") from exc


def load_or_exit(
    paths: Sequence[Path],
    pattern: str | None,
    exclude: Sequence[str],
    metrics: re.Pattern[str] | None = None,
    option: str = "--metrics",
) -> list[RunData]:
    """Discover and load runs (only the ``metrics`` matching, if given: lazy metrics);
    warnings go to stderr; exit 1 when no run could be read, 2 when ``metrics`` matches
    no metric of any run."""
    import warnings

    from curvelens.core.discovery import discover
    from curvelens.core.loading import load_runs

    follow = bool(click.get_current_context().meta.get(FOLLOW_LINKS, False))
    found = discover(paths, pattern=pattern, exclude=exclude, follow_links=follow)
    for issue in found.issues:
        click.echo(f"warning: {printable(str(issue))}", err=True)
    use_cache = not click.get_current_context().meta.get(NO_CACHE, False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runs = load_runs(found.runs, cache=use_cache, metrics=metrics)
    for warning in caught:
        click.echo(f"warning: {printable(str(warning.message))}", err=True)
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
    if metrics is not None:
        check_metrics_or_exit(loaded, metrics, option)
    return loaded


def check_metrics_or_exit(runs: Sequence[RunData], metrics: re.Pattern[str], option: str) -> None:
    """Exit 2 naming ``option``'s pattern and the metrics there are when it matches none."""
    names = sorted({name for run in runs for name in run.metrics})
    if any(metrics.search(name) for name in names):
        return
    shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
    have = f"the runs have: {shown}" if names else "the runs have no metrics"
    raise click.UsageError(printable(f"{option} {metrics.pattern!r} matches no metric; {have}"))


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
@click.option(
    "--metrics",
    "metrics",
    metavar="REGEX",
    help="Only metrics matching REGEX (only those are read when the format allows).",
)
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
    runs = load_or_exit(paths, pattern, exclude, wanted)
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
    return group(order_by_paths(runs, paths), group_by, no_group)


# ``compare`` and ``report`` live in their own module, built on the helpers above (import
# this module first: it pulls that one in).
from curvelens.core.compare_cli import compare, report  # noqa: E402


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


def _commands() -> tuple[click.Command, ...]:
    """The headless commands, in the order ``curvelens --help`` lists them."""
    from curvelens.core.cache_cli import cache

    return (summary, compare, report, tail, cache)


COMMANDS: tuple[click.Command, ...] = _commands()
