"""Hydra's saved config of a run: ``.hydra/config.yaml`` and ``.hydra/overrides.yaml``.

Any run folder (whatever its log format) whose own folder or one of its
:data:`MAX_LEVELS` parents holds ``.hydra/config.yaml`` gets that config as params (dotted
keys) and each command-line override (``lr=0.1``, ``+opt=adam``) as
``hydra.overrides.<key>``. In a multirun sweep (a ``multirun.yaml`` beside the job folders),
the overrides the sweep varied (``lr=0.01,0.1``, ``range(...)``, ``choice(...)``) are also
``hydra.sweep.<key>``: the key to group a sweep's runs by. Read with the one YAML loader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from curvelens.core.params import ParamValue
from curvelens.core.readers.yamlfile import load_yaml, yaml_params
from curvelens.core.schema import Issue

HYDRA = ".hydra"
MAX_LEVELS = 3
SWEEP_FILE = "multirun.yaml"
OVERRIDES_PREFIX = "hydra.overrides."
SWEEP_PREFIX = "hydra.sweep."
_SWEEP_VALUE = re.compile(r"^(?:range|choice|interval|glob|tag|sort|shuffle)\(|,")


def hydra_folder(path: Path) -> Path | None:
    """The nearest ``.hydra`` folder with a ``config.yaml`` at or above a run's path."""
    folder = path if path.is_dir() else path.parent
    for candidate in (folder, *folder.parents[:MAX_LEVELS]):
        if (candidate / HYDRA / "config.yaml").is_file():
            return candidate / HYDRA
    return None


def _key_value(override: str) -> tuple[str, str] | None:
    key, sep, value = override.partition("=")
    key = key.lstrip("+~").strip()
    return (key, value.strip()) if sep and key else None


def _overrides(path: Path) -> tuple[list[tuple[str, str]], list[Issue]]:
    """The ``key=value`` overrides of an ``overrides.yaml``-style list."""
    if not path.is_file():
        return [], []
    content, issues = load_yaml(path)
    if content is None:
        return [], issues
    if not isinstance(content, list):
        return [], [*issues, Issue(path, "ignored: not a YAML list of overrides")]
    pairs = [pair for item in content if (pair := _key_value(str(item))) is not None]
    return pairs, issues


def _swept_keys(job: Path) -> tuple[set[str], list[Issue]]:
    """Keys the sweep varied, from the sweep folder's ``multirun.yaml``."""
    sweep = job.parent / SWEEP_FILE
    if not sweep.is_file():
        return set(), []
    content, issues = load_yaml(sweep)
    task = None
    if isinstance(content, Mapping):
        hydra = content.get("hydra")
        overrides = hydra.get("overrides") if isinstance(hydra, Mapping) else None
        task = overrides.get("task") if isinstance(overrides, Mapping) else None
    if not isinstance(task, list):
        return set(), issues
    pairs = [pair for item in task if (pair := _key_value(str(item))) is not None]
    return {key for key, value in pairs if _SWEEP_VALUE.search(value)}, issues


def hydra_params(path: Path) -> tuple[dict[str, ParamValue], list[Issue]]:
    """Config, overrides and swept keys of the Hydra job holding the run at ``path``."""
    folder = hydra_folder(path)
    if folder is None:
        return {}, []
    params, issues = yaml_params(folder / "config.yaml")
    pairs, override_issues = _overrides(folder / "overrides.yaml")
    swept, sweep_issues = _swept_keys(folder.parent)
    for key, value in pairs:
        params[OVERRIDES_PREFIX + key] = value
        if key in swept:
            params[SWEEP_PREFIX + key] = value
    return params, issues + override_issues + sweep_issues
