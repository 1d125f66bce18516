"""Where the app's runs come from: the paths given and the options of ``curvelens open``
(the same meaning as the headless commands' ``--pattern --exclude --no-cache --follow-links``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sources:
    """Paths to discover runs under, and how to discover and read them."""

    paths: tuple[str, ...]
    pattern: str | None = None
    """Only runs whose folder name matches this glob."""
    exclude: tuple[str, ...] = ()
    """Skip runs whose folder matches one of these globs."""
    cache: bool = True
    """Read and fill the user's parse cache (``--no-cache``: False)."""
    follow_links: bool = False
    """Enter symlinked folders that lead outside the paths (``--follow-links``)."""
