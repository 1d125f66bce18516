"""Config, summary and system metrics from a ``.wandb`` log (what ``files/`` may lack).

Current SDKs keep an offline run's config only in the log: the run record's ``config``
(RunRecord field 4) and later ``config`` records (Record 5), each a list of updates and
removals of ``key``/``nested_key`` = ``value_json``. ``summary`` records (Record 3) update
and remove summary values the same way. ``stats`` records (Record 7) are system metrics
sampled by the SDK: a timestamp and ``key`` = ``value_json`` items (``cpu``, ``gpu.0.temp``
...). Framing is :func:`curvelens.core.readers.wandb_log.records`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from curvelens.core.readers.protobuf import fields
from curvelens.core.readers.textfile import Budget
from curvelens.core.readers.wandb_log import records

_REC_SUMMARY, _REC_CONFIG, _REC_STATS, _REC_RUN = 3, 5, 7, 17
_RUN_CONFIG, _RUN_SUMMARY = 4, 5
_UPDATE, _REMOVE = 1, 2
_KEY, _NESTED, _JSON = 1, 2, 16
_STATS_TIME, _STATS_ITEM = 2, 3
SYSTEM_PREFIX = "system/"


@dataclass
class LogExtras:
    """Config, summary and system samples of one log."""

    config: dict[str, Any] = field(default_factory=dict)
    """Nested config as the SDK holds it (``_wandb`` included)."""
    summary: dict[str, Any] = field(default_factory=dict)
    stats: list[tuple[float, str, float]] = field(default_factory=list)
    """(unix time, ``system/<key>``, value) per sampled number."""


def _path(item: bytes) -> tuple[list[str], Any]:
    """The key path and decoded value of a ConfigItem/SummaryItem."""
    key, nested, raw = "", [], "null"
    for number, _, value in fields(item):
        if not isinstance(value, bytes):
            continue
        if number == _KEY:
            key = value.decode("utf-8", "replace")
        elif number == _NESTED:
            nested.append(value.decode("utf-8", "replace"))
        elif number == _JSON:
            raw = value.decode("utf-8", "replace")
    try:
        decoded = json.loads(raw)
    except ValueError:
        decoded = raw
    return (nested or [key]), decoded


def _apply(target: dict[str, Any], message: bytes) -> None:
    """Apply the updates and removals of a config or summary record to ``target``."""
    for number, _, item in fields(message):
        if number not in (_UPDATE, _REMOVE) or not isinstance(item, bytes):
            continue
        path, value = _path(item)
        node = target
        for part in path[:-1]:
            child = node.get(part)
            node = child if isinstance(child, dict) else node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        if number == _UPDATE:
            node[path[-1]] = value
        else:
            node.pop(path[-1], None)


def _stats(message: bytes, out: LogExtras) -> None:
    when = 0.0
    items: list[tuple[str, Any]] = []
    for number, _, value in fields(message):
        if number == _STATS_TIME and isinstance(value, bytes):
            parts = {n: v for n, _, v in fields(value) if isinstance(v, int)}
            when = parts.get(1, 0) + parts.get(2, 0) / 1e9
        elif number == _STATS_ITEM and isinstance(value, bytes):
            path, decoded = _path(value)
            items.append((".".join(path), decoded))
    for key, decoded in items:
        if isinstance(decoded, int | float) and not isinstance(decoded, bool):
            out.stats.append((when, SYSTEM_PREFIX + key, float(decoded)))


def _record(payload: bytes, out: LogExtras) -> None:
    for number, _, value in fields(payload):
        if not isinstance(value, bytes):
            continue
        if number == _REC_CONFIG:
            _apply(out.config, value)
        elif number == _REC_SUMMARY:
            _apply(out.summary, value)
        elif number == _REC_STATS:
            _stats(value, out)
        elif number == _REC_RUN:
            for sub, _, part in fields(value):
                if sub == _RUN_CONFIG and isinstance(part, bytes):
                    _apply(out.config, part)
                elif sub == _RUN_SUMMARY and isinstance(part, bytes):
                    _apply(out.summary, part)


def log_extras(data: bytes | BinaryIO, budget: Budget | None = None) -> LogExtras:
    """Config, summary and system metrics of a ``.wandb`` file's bytes, up to the first
    record that cannot be decoded (the history decoder reports that one) or the file's time
    budget."""
    out, budget = LogExtras(), budget or Budget()
    try:
        for number, payload in enumerate(records(data), start=1):
            if budget.due(number):
                return out  # decode_log says where the budget stopped the history
            _record(payload, out)
    except Exception:  # a corrupt or cut record: decode_log reports it, with its offset
        return out
    return out
