"""The ``curvelens`` command: opens the app on paths, or runs a headless subcommand.

``curvelens PATH...`` opens the app; ``curvelens demo`` writes demo runs and opens them;
``summary``, ``compare`` and ``report`` come from :mod:`curvelens.core.cli`. A folder named
like a subcommand is reached with ``curvelens open summary`` or ``curvelens ./summary``.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import click

from curvelens.core.cli import COMMANDS, FOLLOW_LINKS, NO_CACHE, selection_options

#: Written into the demo root so a later ``curvelens demo`` may safely replace it.
DEMO_MARKER = ".curvelens-demo"
_GROUP_OPTIONS = ("--help", "-h", "--version")


class DefaultToOpen(click.Group):
    """A group that treats arguments not naming a subcommand as paths for ``open``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Insert ``open`` unless the first argument is a subcommand or a group option."""
        if not args or (args[0] not in self.commands and args[0] not in _GROUP_OPTIONS):
            args = ["open", *args]
        return super().parse_args(ctx, args)


@click.group(
    cls=DefaultToOpen,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="A folder named like a subcommand: `curvelens open summary` or `curvelens ./summary`.",
)
@click.version_option(package_name="curvelens")
def cli() -> None:
    """See and compare ML training runs: `curvelens [PATH...]` opens the app."""


def open_app(
    paths: Sequence[str],
    pattern: str | None,
    exclude: tuple[str, ...],
    cache: bool = True,
    follow_links: bool = False,
) -> None:
    """Start the Textual app on ``paths``; a clear error (exit 1) if it is not available."""
    try:
        from curvelens.tui.app import run_app
        from curvelens.tui.sources import Sources
    except ImportError as exc:
        click.echo(f"curvelens: the app is not available ({exc})", err=True)
        raise SystemExit(1) from exc
    run_app(Sources(tuple(paths), pattern, tuple(exclude), cache, follow_links))


@cli.command("open")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@selection_options
@click.pass_context
def open_command(
    ctx: click.Context, paths: tuple[str, ...], pattern: str | None, exclude: tuple[str, ...]
) -> None:
    """Open the app on PATH... (default: the current folder)."""
    cache, follow = not ctx.meta.get(NO_CACHE, False), bool(ctx.meta.get(FOLLOW_LINKS, False))
    open_app(list(paths) or ["."], pattern, exclude, cache, follow)


def _default_demo_root() -> Path:
    """The demo root in the user cache directory."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("curvelens")) / "demo"


@cli.command("demo")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the demo runs (default: the user cache directory).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--no-open", is_flag=True, help="Only write the runs and print their root.")
def demo_command(root: Path | None, seed: int, no_open: bool) -> None:
    """Write demo runs (rewritten each time) and open the app on them."""
    from curvelens.core.demo import write_demo

    root = root or _default_demo_root()
    if root.exists() and any(root.iterdir()) and not (root / DEMO_MARKER).exists():
        raise click.UsageError(f"{root} is not empty and was not written by `curvelens demo`")
    if root.exists():
        shutil.rmtree(root)
    write_demo(root, seed=seed)
    (root / DEMO_MARKER).write_text("written by `curvelens demo`; safe to delete\n")
    if no_open:
        click.echo(str(root))
        return
    open_app([str(root)], None, ())


for _command in COMMANDS:
    cli.add_command(_command)


def main() -> None:
    """Entry point of the ``curvelens`` console script and ``python -m curvelens``."""
    cli(prog_name="curvelens")
