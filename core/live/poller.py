"""The poller: one ``stat`` per watched file, reads only what changed, finds new runs.

:meth:`Poller.poll` compares every watched path's :class:`~.signature.Signature` with the
last poll's; a run none of whose paths changed costs nothing more. A changed run is read
from its tailers' positions (:mod:`.tailers`) and reported as appended points; a run whose
file was replaced, shrank or rewritten, a whole-read format, a run never read by the
poller, or one whose status file changed is re-read whole through
:func:`curvelens.core.loading.load_run` (metadata) and its tailers (points), and reported
as a new :class:`RunData`. Roots are discovered again every ``rediscover_every`` seconds
(new run folders); a run whose folder vanished is reported gone and no longer watched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from curvelens.core.live.layout import Layout, layout, on_disk
from curvelens.core.live.signature import Signature, signature
from curvelens.core.live.tailers import START, Position, Tail
from curvelens.core.loading import load_run
from curvelens.core.readers.points import dedupe_points
from curvelens.core.schema import Issue, RunData, RunRef

REDISCOVER_S = 10.0
"""Default seconds between two discoveries of the roots (new run folders)."""


@dataclass(frozen=True)
class RunChange:
    """What one poll found for one run: appended points, or the run re-read whole."""

    ref: RunRef
    appended: pl.DataFrame | None = None
    """``POINTS`` written since the last poll, in write order (last write wins)."""
    run: RunData | None = None
    """The run re-read whole: it replaces the one held (set when ``appended`` is None)."""
    new: bool = False
    """The run was not known before this poll (just discovered, or watched unread)."""
    updated: datetime | None = None
    """The newest modification time of its log files."""
    issues: tuple[Issue, ...] = ()
    """Problems in the appended lines."""


@dataclass(frozen=True)
class PollResult:
    """Everything one poll found, and what it cost."""

    changes: tuple[RunChange, ...] = ()
    gone: tuple[RunRef, ...] = ()
    """Watched runs whose folder or log file vanished (no longer watched)."""
    stats: int = 0
    """``stat`` calls made."""
    seconds: float = 0.0
    """Wall time of the poll (what :func:`next_interval` backs off on)."""
    at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    """When the poll ended."""


def next_interval(base: float, seconds: float, share: float = 0.1, ceiling: float = 60.0) -> float:
    """Seconds until the next poll: ``base``, longer when a poll took more than ``share``
    of it (a slow NFS), at most ``ceiling``."""
    return min(ceiling, max(base, seconds / share))


@dataclass
class _Watch:
    """What the poller holds for one run."""

    ref: RunRef
    layout: Layout
    signatures: dict[str, Signature | None]
    positions: dict[str, Position] | None = None
    """Per log file; None until the poller read the run whole."""
    known: bool = True
    """The caller holds this run; False: the next poll reads it whole and calls it new."""


class Poller:
    """Watches runs (and roots for new ones); :meth:`poll` says what changed since."""

    def __init__(
        self,
        roots: Sequence[Path] = (),
        *,
        pattern: str | None = None,
        exclude: Sequence[str] = (),
        rediscover_every: float = REDISCOVER_S,
        clock: Callable[[], float] = time.monotonic,
        follow_links: bool = False,
    ) -> None:
        self.roots = tuple(roots)
        self.follow_links = follow_links
        """Rediscovery enters symlinked folders leading outside the roots (``--follow-links``)."""
        self.pattern = pattern
        self.exclude = tuple(exclude)
        self.rediscover_every = rediscover_every
        self._clock = clock
        self._discovered = clock()
        self._watches: dict[str, _Watch] = {}

    @property
    def refs(self) -> list[RunRef]:
        """The watched runs."""
        return [watch.ref for watch in self._watches.values()]

    def watch(self, refs: Iterable[RunRef], *, loaded: bool = True) -> None:
        """Watch ``refs``. ``loaded``: the caller loads (or loaded) them itself; call this
        BEFORE loading, so a write during the load shows up at the next poll. Otherwise the
        next poll reads them and reports them as new (``curvelens tail``)."""
        for ref in refs:
            runs = layout(ref)
            signatures = {path: signature(path) for path in runs.paths} if loaded else {}
            self._watches[str(ref.path)] = _Watch(ref, runs, signatures, known=loaded)

    def poll(self) -> PollResult:
        """Stat every watched file; read what changed; discover the roots when due."""
        started = time.perf_counter()
        if self.roots and self._clock() - self._discovered >= self.rediscover_every:
            self._rediscover()
        changes: list[RunChange] = []
        gone: list[RunRef] = []
        stats = 0
        for key, watch in list(self._watches.items()):
            changed, count = self._changed(watch)
            stats += count
            if not changed:
                continue
            if not on_disk(watch.ref).exists():
                del self._watches[key]
                gone.append(watch.ref)
                continue
            change = self._read(watch)
            if change is not None:
                changes.append(change)
        seconds = time.perf_counter() - started
        return PollResult(tuple(changes), tuple(gone), stats, seconds)

    def _rediscover(self) -> None:
        """Watch the runs found under the roots that are not watched yet (as new)."""
        from curvelens.core.discovery import discover

        self._discovered = self._clock()
        found = discover(self.roots, pattern=self.pattern, exclude=self.exclude,
                         follow_links=self.follow_links)  # fmt: skip
        self.watch((r for r in found.runs if str(r.path) not in self._watches), loaded=False)

    @staticmethod
    def _changed(watch: _Watch) -> tuple[bool, int]:
        """Whether a watched path's signature changed (stops at the first), stats made."""
        if not watch.known:
            return True, 0
        count = 0
        for path, old in watch.signatures.items():
            count += 1
            if signature(path) != old:
                return True, count
        return False, count

    def _read(self, watch: _Watch) -> RunChange | None:
        """Read a changed run: appended points, or whole (see the module docstring)."""
        old = watch.signatures
        watch.layout = runs = layout(watch.ref)
        watch.signatures = {path: signature(path) for path in runs.paths}
        updated = _newest(watch.signatures, runs)
        whole = any(watch.signatures[path] != old.get(path) for path in runs.whole)
        logs = {path for path, _ in runs.logs}
        if watch.positions is None or whole or not logs or not logs >= watch.positions.keys():
            return self._read_whole(watch, updated)
        frames: list[pl.DataFrame] = []
        issues: list[Issue] = []
        for path, tailer in runs.logs:
            if path in watch.positions and watch.signatures[path] == old.get(path):
                continue
            tail = _tail(tailer.read, path, watch.positions.get(path, START))
            if tail is None or (tail.restarted and path in watch.positions):
                return self._read_whole(watch, updated)
            watch.positions[path] = tail.position
            frames.append(tail.points)
            issues.extend(tail.issues)
        if not frames:
            return None
        appended = pl.concat(frames) if len(frames) > 1 else frames[0]
        return RunChange(watch.ref, appended=appended, updated=updated, issues=tuple(issues))

    def _read_whole(self, watch: _Watch, updated: datetime | None) -> RunChange:
        """Re-read the run: metadata by the loading path, points by its tailers."""
        new, watch.known = not watch.known, True
        run = load_run(watch.ref)
        positions: dict[str, Position] = {}
        frames: list[pl.DataFrame] = []
        for path, tailer in watch.layout.logs:
            tail = _tail(tailer.read, path, START)
            if tail is not None:
                positions[path] = tail.position
                frames.append(tail.points)
        watch.positions = positions
        tailed = len(frames) == len(watch.layout.logs) and any(f.height for f in frames)
        if watch.layout.logs and run.error is None and tailed:  # else: the loaded points
            points = dedupe_points(pl.concat(frames))[0]
            run = RunData(
                ref=run.ref,
                points=points,
                params=run.params,
                status=run.status,
                started=run.started,
                updated=updated or run.updated,
                resumed=run.resumed,
                issues=run.issues,
            )
        return RunChange(watch.ref, run=run, new=new, updated=updated)


def _tail(read: Callable[[Path, Position], Tail], path: str, since: Position) -> Tail | None:
    """One tailer read; None when the file cannot be read now (deleted, unreadable, or a
    parser bug: the loading path then reads the run and reports the problem)."""
    try:
        return read(Path(path), since)
    except Exception:  # ReadError, or a reader bug: it must not stop the other runs' polling
        return None


def _newest(signatures: dict[str, Signature | None], runs: Layout) -> datetime | None:
    """The newest mtime among the run's log and whole-read files (not folders)."""
    files = [*(path for path, _ in runs.logs), *runs.whole]
    times = [sig.mtime_ns for path in files if (sig := signatures.get(path)) is not None]
    return datetime.fromtimestamp(max(times) / 1e9, tz=timezone.utc) if times else None
