"""``curvelens cache info`` and ``curvelens cache clear``: look at or empty the parse cache."""

from __future__ import annotations

import click


@click.group("cache")
def cache() -> None:
    """The parse cache (kept in the user cache directory, or $CURVELENS_CACHE_DIR)."""


@cache.command("info")
def info() -> None:
    """Where the cache is, how many runs it holds and its size against the cap."""
    from curvelens.core.cache import open_cache

    found = open_cache().info()
    click.echo(f"location: {found.root}")
    click.echo(f"runs:     {found.entries}")
    click.echo(f"size:     {found.bytes / 2**20:.1f} MiB of {found.max_bytes / 2**20:.0f} MiB")


@cache.command("clear")
def clear() -> None:
    """Delete every cached run (logs are never touched)."""
    from curvelens.core.cache import open_cache

    store = open_cache()
    removed = store.clear()
    click.echo(f"removed {removed} files from {store.root}")
