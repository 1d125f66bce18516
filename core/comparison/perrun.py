"""Which param values belong to one run rather than to its configuration.

A param key is per-run when its name says so (:data:`PER_RUN_NAMES`: ids, output paths,
hosts, times) and its values are not all equal, or when its values differ in every run
that has it (at least 2 runs) and every value looks like one of: a timestamp (ISO date,
``YYYYmmdd_HHMMSS``, unix seconds or milliseconds), an id (hex of 7+ characters, a UUID),
a path (starts with ``/ ./ ../ ~``, a drive or ``scheme://``, or holds 2+ ``/``), a host
name (3+ dot-separated labels with a letter), or free text (a space and 16+ characters).
Seed keys are a different rule (:func:`is_seed_key`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

PER_RUN_NAMES = frozenset(
    {"id", "run_id", "runid", "uuid", "job_id", "slurm_job_id", "wandb_id", "mlflow_run_id"}
    | {"output_dir", "out_dir", "logdir", "log_dir", "save_dir", "checkpoint_dir", "run_dir"}
    | {"timestamp", "time", "date", "datetime", "created", "created_at", "start_time"}
    | {"host", "hostname", "node", "machine", "pid", "git_commit", "git_sha", "commit"}
)
_PATTERNS = (
    re.compile(r"^\d{4}-\d{2}-\d{2}([T _]\d{2}:?\d{2}(:?\d{2})?.*)?$"),  # ISO date/time
    re.compile(r"^\d{8}[_T-]?\d{6}$"),  # 20251230_052106
    re.compile(r"^[0-9a-f]{7,}$", re.IGNORECASE),  # git sha, mlflow run id
    re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I),
    re.compile(r"^(/|\./|\.\./|~|[A-Za-z]:[\\/]|[a-z][a-z0-9+.-]*://)"),  # a path or URL
    re.compile(r"^[^/\s]*(/[^/\s]*){2,}$"),  # 2+ slashes
    re.compile(r"^(?=.*[a-z])[a-z0-9-]+(\.[a-z0-9-]+){2,}$", re.IGNORECASE),  # host name
)
_SEED = re.compile(r"seed$", re.IGNORECASE)


def is_seed_key(key: str) -> bool:
    """True when the last dotted component of ``key`` ends in ``seed`` (``seed``,
    ``training.data_seed``, ``rng_seed``)."""
    return bool(_SEED.search(key.rsplit(".", 1)[-1]))


def looks_per_run(value: object) -> bool:
    """Whether one value looks like a timestamp, id, path, host or free text."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return 1e9 <= float(value) <= 2.5e9 or 1e12 <= float(value) <= 2.5e12  # unix s / ms
    text = str(value).strip()
    if " " in text and len(text) >= 16:
        return True
    return any(p.search(text) for p in _PATTERNS)


def per_run_keys(params: Sequence[Mapping[str, object]]) -> list[str]:
    """The keys of ``params`` (one mapping per run) that are per-run (module docstring)."""
    keys = sorted({k for p in params for k in p})
    found = []
    for key in keys:
        values = [p[key] for p in params if key in p]
        distinct = len({str(v) for v in values})
        if distinct < 2:
            continue
        if key.rsplit(".", 1)[-1].lower() in PER_RUN_NAMES:
            found.append(key)  # named per-run: hosts and dates may repeat
        elif distinct == len(values) and all(looks_per_run(v) for v in values):
            found.append(key)
    return found
