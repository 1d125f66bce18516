"""User config (TOML defaults and key remaps, read-only) and per-root view state (JSON in
the user's state directory, never in run folders). Both paths can be redirected by env vars."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from curvelens.tui.state import TIME_AXES, View, from_saved, to_saved

CONFIG_ENV = "CURVELENS_CONFIG"
"""Env var naming the config file (default: ``<user config dir>/config.toml``)."""
STATE_ENV = "CURVELENS_STATE_DIR"
"""Env var naming the state directory (default: platformdirs ``user_state_dir``)."""


class ConfigError(ValueError):
    """The config file is unreadable or holds an unknown key or a wrong value."""


@dataclass(frozen=True)
class Config:
    """Defaults from the config file; every field can be set at the top level of the TOML."""

    theme: str = "textual-dark"
    """Textual theme name."""
    x_axis: str = "step"
    """Default x axis: ``step``, ``wall`` or ``relative``."""
    smoothing: bool = False
    """Whether smoothing starts on."""
    smoothing_weight: float = 0.6
    """Default EMA weight, 0 <= w < 1."""
    poll_interval: float = 2.0
    """Seconds between polls of the runs on disk (longer when polls are slow); 0: off."""
    export_dir: str = ""
    """Where ``e`` writes summaries (default: the current directory; never a run folder)."""
    keys: dict[str, str] = field(default_factory=dict)
    """``[keys]`` table: binding id -> comma-separated keys, applied with App.set_keymap."""


def config_path() -> Path:
    """Where the config file is read from."""
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("curvelens")) / "config.toml"


def _check(name: str, value: Any, themes: Collection[str]) -> None:
    """Raise ConfigError when ``value`` is not valid for field ``name``."""
    if name == "theme" and (not isinstance(value, str) or (themes and value not in themes)):
        raise ConfigError(f"theme {value!r} is unknown; one of: {', '.join(sorted(themes))}")
    if name == "x_axis" and value not in TIME_AXES:
        raise ConfigError(f"x_axis must be one of {', '.join(TIME_AXES)}, not {value!r}")
    if name == "export_dir" and not isinstance(value, str):
        raise ConfigError(f"export_dir must be a path string, not {value!r}")
    if name == "smoothing" and not isinstance(value, bool):
        raise ConfigError(f"smoothing must be true or false, not {value!r}")
    if name == "poll_interval" and not (
        isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
    ):
        raise ConfigError(f"poll_interval must be a number of seconds >= 0, not {value!r}")
    if name == "smoothing_weight" and not (
        isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1
    ):
        raise ConfigError(f"smoothing_weight must be a number in [0, 1), not {value!r}")


def parse_config(
    data: dict[str, Any], binding_ids: Collection[str], themes: Collection[str] = ()
) -> Config:
    """Validate a parsed TOML table; unknown keys and binding ids are refused."""
    allowed = {f.name for f in fields(Config)}
    for name, value in data.items():
        if name not in allowed:
            raise ConfigError(f"unknown setting {name!r}; known: {', '.join(sorted(allowed))}")
        if name != "keys":
            _check(name, value, themes)
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        raise ConfigError('[keys] must be a table of binding_id = "keys"')
    for binding_id, value in keys.items():
        if binding_id not in binding_ids:
            known = ", ".join(sorted(binding_ids))
            raise ConfigError(f"unknown binding id {binding_id!r} in [keys]; known: {known}")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f'[keys] {binding_id} must be a non-empty string like "ctrl+y"')
    return Config(**{**data, "keys": dict(keys)})


def load_config(binding_ids: Collection[str], themes: Collection[str] = ()) -> Config:
    """Read the config file (defaults when it does not exist)."""
    path = config_path()
    if not path.is_file():
        return Config()
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    try:
        return parse_config(data, binding_ids, themes)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def state_dir() -> Path:
    """The directory view states are kept in."""
    if env := os.environ.get(STATE_ENV):
        return Path(env)
    from platformdirs import user_state_dir

    return Path(user_state_dir("curvelens"))


def state_path(paths: Sequence[str]) -> Path:
    """State file of the set of roots ``paths`` (a hash of their resolved paths)."""
    roots = sorted(str(Path(p).expanduser().resolve()) for p in paths)
    digest = hashlib.sha1(json.dumps(roots).encode()).hexdigest()[:16]
    return state_dir() / f"view-{digest}.json"


def default_view(config: Config) -> View:
    """The view of a root seen for the first time, from the config's defaults."""
    smoothing = "ema" if config.smoothing else "off"
    return View(smoothing=smoothing, weight=config.smoothing_weight, x_axis=config.x_axis)


def load_state(paths: Sequence[str], config: Config) -> View:
    """The remembered view of ``paths``, or the config's defaults when none (or unreadable)."""
    default = default_view(config)
    try:
        data = json.loads(state_path(paths).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default
    return from_saved(data, default) if isinstance(data, dict) else default


def save_state(paths: Sequence[str], view: View) -> str | None:
    """Write the remembered part of ``view``; returns an error message instead of raising."""
    path = state_path(paths)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(to_saved(view), indent=1), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        return f"could not save view state to {path}: {exc}"
    return None
