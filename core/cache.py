"""The parse cache: each run's parsed result kept in the user cache directory, so an unchanged
root reopens without parsing.

Where: ``$CURVELENS_CACHE_DIR`` if set, else platformdirs' user cache directory
(``~/.cache/curvelens/parse``); never in or under a run folder. An entry is two files,
``<key>.json`` (meta) and ``<key>.<token>.arrow`` (the points, compact as loaded runs hold
them: Categorical names, no times when there are none; Arrow IPC, uncompressed), under
``v<FORMAT>/``; ``key`` hashes the run's format and real path. The meta holds the curvelens
version, the signature of the run's source files, the read result but its points, and the
per-metric summary, so a report of summaries never opens the points file.

Valid when: the entry's :func:`code_version` is this one's (the parsing code's), every
source file still has the (size, mtime_ns, inode) recorded, and so do (mtime_ns, inode) the
run folder and the folders holding the sources (a file added or removed beside them changes
those). A result is not stored when a source changed during or just before the parse
(:data:`SETTLE_NS`): it may be half written.

Safety: files are written under a temporary name and renamed (points first, then the meta
naming them), so a concurrent process sees the old entry or the new one, never a mix. Any
entry that cannot be read or decoded is a miss and is rewritten. A cache directory that
cannot be written gives one :class:`CacheWarning` and loading goes on uncached.
Size: at most ``max_bytes`` (:data:`DEFAULT_MAX_BYTES`, ``$CURVELENS_CACHE_MAX_MB``); the
least recently used entries go first (a hit refreshes the meta's mtime, hourly at most).

Appends: each :class:`FileSig` in :attr:`Entry.sources` keeps the file's size, the byte
offset the entry covers; :meth:`ParseCache.entry` gives an entry whose logs changed since,
and :meth:`ParseCache.grown` names its sources that only grew (same inode, longer): the seam
for reading just the appended bytes and extending the cached prefix.
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from curvelens import __version__
from curvelens.core.cachecodec import decode_result, encode_result
from curvelens.core.readers.base import ReadResult
from curvelens.core.schema import RunRef, compact_points

FORMAT = 1
"""Layout version; a change moves the cache to a new ``v<FORMAT>/`` folder."""
DEFAULT_MAX_BYTES = 2 * 2**30
SETTLE_NS = 1_000_000_000
"""A source modified less than this before the parse started is not cached."""
TOUCH_S = 3600.0
"""A hit refreshes its entry's LRU time when it is older than this."""
EVICT_SHARE = 0.05
_STALE_TEMP_S = 600.0


class CacheWarning(UserWarning):
    """The cache could not be used as asked (not writable); loading goes on without it."""


@dataclass(frozen=True)
class FileSig:
    """What a file looked like when it was parsed: its size is the byte offset covered."""

    path: str
    size: int
    mtime_ns: int
    inode: int


@dataclass(frozen=True)
class Entry:
    """A valid cache entry: the run's read result (points loaded on demand) and summary."""

    key: str
    sources: tuple[FileSig, ...]
    """Every file parsed, as it was then."""
    result: ReadResult
    """The read result with empty points; :meth:`load_points` gives them."""
    summary: dict[str, list[Any]]
    """:func:`curvelens.core.analysis.summary.summarize` of the points, as columns
    (:func:`~curvelens.core.cachecodec.summary_frames` makes frames of many at once)."""
    load_points: Callable[[], pl.DataFrame]
    """Reads the points file (memory-mapped)."""


@dataclass(frozen=True)
class CacheInfo:
    """What ``curvelens cache info`` prints."""

    root: Path
    entries: int
    bytes: int
    max_bytes: int


def cache_root() -> Path:
    """``$CURVELENS_CACHE_DIR``, else the user cache directory's ``parse`` folder."""
    override = os.environ.get("CURVELENS_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("curvelens")) / "parse"


def open_cache() -> ParseCache:
    """The cache at :func:`cache_root`, sized by ``$CURVELENS_CACHE_MAX_MB`` if set; one
    object per location and size in a process, so loading run by run (the app) shares its
    eviction bookkeeping and its one warning."""
    limit = os.environ.get("CURVELENS_CACHE_MAX_MB", "")
    max_bytes = int(float(limit) * 2**20) if limit.replace(".", "", 1).isdigit() else None
    key = (cache_root(), max_bytes or DEFAULT_MAX_BYTES)
    with _OPEN_LOCK:
        if key not in _OPEN:
            _OPEN[key] = ParseCache(*key)
        return _OPEN[key]


_OPEN: dict[tuple[Path, int], ParseCache] = {}
_OPEN_LOCK = threading.Lock()


@functools.cache
def code_version() -> str:
    """What the entries depend on besides the logs: the curvelens and polars versions and a
    hash of the code that parses (readers, loading, summary), so an entry written by other
    parsing code is never served, released or not."""
    core = Path(__file__).parent
    files = [*sorted((core / "readers").glob("*.py")), core / "loading.py", core / "schema.py"]
    files += [core / "cache.py", core / "cachecodec.py", core / "params.py"]
    files.append(core / "analysis" / "summary.py")
    digest = hashlib.sha1()
    for path in files:
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(path.name.encode())
    return f"{__version__}+polars{pl.__version__}+{digest.hexdigest()[:16]}"


def stat_sig(path: str) -> FileSig | None:
    """The signature of ``path`` now, None when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return FileSig(path, st.st_size, st.st_mtime_ns, st.st_ino)


class ParseCache:
    """Parsed runs on disk, see the module docstring."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.folder = root / f"v{FORMAT}"
        self.max_bytes = max_bytes
        self.writable = True
        self._stored = 0
        """Bytes stored since the last eviction scan."""
        self._scanned = False

    def key(self, ref: RunRef) -> str:
        """The entry name of ``ref``: a hash of its format and real path."""
        text = f"{ref.format}\0{os.path.realpath(ref.path)}"
        return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()

    def lookup(self, ref: RunRef) -> Entry | None:
        """The valid entry of ``ref``, or None (absent, stale, corrupt, other version)."""
        entry = self.entry(ref, fresh=True)
        if entry is not None:
            self._touch(self.folder / f"{entry.key}.json")
        return entry

    def entry(self, ref: RunRef, fresh: bool = False) -> Entry | None:
        """The entry of ``ref`` as written, even if its logs changed since unless ``fresh``
        (what an incremental reader starts from, see :meth:`grown`); None when absent,
        corrupt or of another version."""
        key = self.key(ref)
        try:
            meta = orjson.loads((self.folder / f"{key}.json").read_bytes())
            if meta.get("version") != code_version() or meta.get("key") != key:
                return None
            sources = tuple(FileSig(*sig) for sig in meta["sources"])
            folders = tuple(FileSig(*sig) for sig in meta["folders"])
            if fresh and any(stat_sig(sig.path) != sig for sig in (*sources, *folders)):
                return None
            result, summary = decode_result(meta)
            points = self.folder / f"{key}.{meta['token']}.arrow"
            if not points.is_file():
                return None
        except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError):
            return None
        return Entry(key, sources, result, summary, _points_loader(points))

    def grown(self, entry: Entry) -> list[FileSig]:
        """Sources that only grew since ``entry`` was written (same inode, larger now); their
        recorded size is where an incremental read would start."""
        grown = []
        for sig in entry.sources:
            now = stat_sig(sig.path)
            if now is not None and now.inode == sig.inode and now.size > sig.size:
                grown.append(sig)
        return grown

    def store(
        self, ref: RunRef, result: ReadResult, summary: pl.DataFrame, started_ns: int
    ) -> None:
        """Keep ``result`` (read from a parse that began at ``started_ns``) and its summary,
        unless a source changed since then; an unwritable directory warns once."""
        if not self.writable:
            return
        sources = _signatures(str(path) for path in (*result.files, *result.sources))
        if sources is None or any(sig.mtime_ns >= started_ns - SETTLE_NS for sig in sources):
            return
        folders = _signatures(_folders(ref.path, sources))
        if folders is None:
            return
        key, token = self.key(ref), secrets.token_hex(8)
        meta = encode_result(result, summary)
        meta.update(version=code_version(), key=key, token=token)
        meta.update(
            sources=[_sig_list(s) for s in sources], folders=[_sig_list(s) for s in folders]
        )
        try:
            data = orjson.dumps(meta)
        except TypeError:  # a file name that is not UTF-8 (surrogate escapes): not cached
            return
        old = _token(self.folder / f"{key}.json")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            points = compact_points(result.points)
            _write_atomic(self.folder / f"{key}.{token}.arrow", points.write_ipc)
            _write_atomic(self.folder / f"{key}.json", lambda path: Path(path).write_bytes(data))
            if old is not None:  # a reader holding the old meta re-parses instead
                _unlink(self.folder / f"{key}.{old}.arrow")
        except OSError as exc:
            self.writable = False
            message = f"cache directory {self.root} is not writable ({exc.strerror or exc}); "
            warnings.warn(message + "loading without the cache", CacheWarning, stacklevel=2)
            return
        self._stored += len(data) + _size(self.folder / f"{key}.{token}.arrow")

    def finish(self) -> None:
        """After a load that stored entries: evict least recently used ones, on the first
        store of the process and then after each :data:`EVICT_SHARE` of the cap written (a
        scan lists the whole cache, too slow to repeat after every run the app loads)."""
        if self._stored and (not self._scanned or self._stored > self.max_bytes * EVICT_SHARE):
            self._stored, self._scanned = 0, True
            self.evict()

    def evict(self, max_bytes: int | None = None) -> None:
        """Delete least recently used entries until the cache holds at most ``max_bytes``
        (default: the cap), and points files no entry names any more."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        metas, points, total = self._scan()
        old = time.time() - _STALE_TEMP_S
        for path, (size, mtime) in points.items():
            if path.name.split(".")[0] not in metas and mtime < old and _unlink(path):
                total -= size
        for key, (size, _) in sorted(metas.items(), key=lambda item: item[1][1]):
            if total <= limit:
                break
            total -= size if _unlink(self.folder / f"{key}.json") else 0
            for path in self.folder.glob(f"{key}.*.arrow"):
                total -= points.get(path, (0, 0.0))[0] if _unlink(path) else 0

    def info(self) -> CacheInfo:
        """How many entries and bytes the cache holds."""
        metas, _, total = self._scan()
        return CacheInfo(self.root, len(metas), total, self.max_bytes)

    def clear(self) -> int:
        """Delete every entry (any version); the number of files removed."""
        removed = 0
        for folder in self.root.glob("v*") if self.root.is_dir() else []:
            for path in folder.iterdir() if folder.is_dir() else []:
                removed += _unlink(path)
        return removed

    def _scan(self) -> tuple[dict[str, tuple[int, float]], dict[Path, tuple[int, float]], int]:
        """Metas (key -> size, mtime), points files (path -> size, mtime) and total bytes;
        temporary files left by a killed writer are deleted on the way."""
        metas: dict[str, tuple[int, float]] = {}
        points: dict[Path, tuple[int, float]] = {}
        total = 0
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return metas, points, 0
        old = time.time() - _STALE_TEMP_S
        for item in entries:
            try:
                st = item.stat()
            except OSError:
                continue
            if ".tmp-" in item.name:
                if st.st_mtime < old:
                    _unlink(Path(item.path))
                continue
            total += st.st_size
            if item.name.endswith(".json"):
                metas[item.name[:-5]] = (st.st_size, st.st_mtime)
            elif item.name.endswith(".arrow"):
                points[Path(item.path)] = (st.st_size, st.st_mtime)
        return metas, points, total

    def _touch(self, path: Path) -> None:
        """Refresh ``path``'s mtime (its LRU time) when older than :data:`TOUCH_S`."""
        try:
            if time.time() - path.stat().st_mtime > TOUCH_S:
                os.utime(path)
        except OSError:
            pass


def _token(meta_path: Path) -> str | None:
    """The points token the meta at ``meta_path`` names, None if there is none to read."""
    try:
        token = orjson.loads(meta_path.read_bytes()).get("token")
    except (OSError, ValueError, AttributeError):
        return None
    return token if isinstance(token, str) and token.isalnum() else None


def _points_loader(path: Path) -> Callable[[], pl.DataFrame]:
    """Reads the points file at ``path`` (compact ``LOADED_POINTS``, as stored)."""

    def load() -> pl.DataFrame:
        return compact_points(pl.read_ipc(path))

    return load


def _signatures(paths: Iterable[str]) -> tuple[FileSig, ...] | None:
    """Signatures of ``paths`` (each once, in order); None when one cannot be stat'ed."""
    sigs = [stat_sig(path) for path in dict.fromkeys(paths)]
    return None if any(sig is None for sig in sigs) else tuple(s for s in sigs if s is not None)


def _folders(run: Path, sources: Sequence[FileSig]) -> list[str]:
    """The run folder (when it is one) and every folder holding a source."""
    folders = [str(run)] if run.is_dir() else []
    return folders + [os.path.dirname(sig.path) or "." for sig in sources]


def _sig_list(sig: FileSig) -> list[object]:
    """A signature as a JSON list."""
    return [sig.path, sig.size, sig.mtime_ns, sig.inode]


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """``write`` into a temporary name beside ``path``, then rename it to ``path``."""
    temp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        write(temp)
        os.replace(temp, path)
    except BaseException:
        _unlink(temp)
        raise


def _unlink(path: Path) -> bool:
    """Delete ``path``; False when it was not there or could not be deleted."""
    try:
        path.unlink()
    except OSError:
        return False
    return True


def _size(path: Path) -> int:
    """The size of ``path``, 0 when it is gone."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
