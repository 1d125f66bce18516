"""Loading YAML config files safely: ``yaml.safe_load`` only, failures become Issues.

Lightning writes ``hparams.yaml`` with ``yaml.dump``, so it may hold ``!!python/object``
tags; an unsafe loader would import and run code. Here such a file is reported, not loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from curvelens.core.params import ParamValue, flatten_config
from curvelens.core.readers.base import ReadError
from curvelens.core.readers.textfile import decode, read_log_bytes
from curvelens.core.schema import Issue


def load_yaml(path: Path) -> tuple[Any, Issue | None]:
    """The safely parsed content of ``path`` (None when absent or bad) and the problem, if any."""
    try:
        text = decode(read_log_bytes(path))
    except ReadError as exc:
        return None, Issue(path, f"ignored: {exc.message}")
    try:
        return yaml.safe_load(text), None
    except RecursionError:
        return None, Issue(path, "YAML not loaded: nested too deeply")
    except yaml.YAMLError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "python/" in text:
            reason = "holds Python object tags (!!python/...), which are never loaded"
        return None, Issue(path, f"YAML not loaded: {reason}")


def yaml_params(path: Path) -> tuple[dict[str, ParamValue], list[Issue]]:
    """Flattened params of a YAML mapping file; a missing file gives no params and no Issue."""
    if not path.is_file():
        return {}, []
    content, issue = load_yaml(path)
    if issue is not None:
        return {}, [issue]
    if content is None:
        return {}, []
    if not isinstance(content, Mapping):
        return {}, [Issue(path, "ignored: not a YAML mapping")]
    return flatten_config(content), []
