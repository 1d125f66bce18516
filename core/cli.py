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


#: The headless commands, in the order ``curvelens --help`` lists them.
COMMANDS: tuple[click.Command, ...] = (summary,)
