"""The one YAML loader: safe, tolerant of Python object tags, bounded. Problems are Issues.

Lightning writes ``hparams.yaml`` with ``yaml.dump``, so it may hold ``!!python/object``,
``!!python/name`` or ``!!python/tuple`` tags; an unsafe loader would import and run code,
``safe_load`` refuses the whole file. Here every tag the safe loader does not know is
built as plain data (a mapping as a dict, a sequence as a list, a scalar as its text),
never imported or called; the rest of the file is kept and an Issue names the tags read
that way. Bounded: a file over :data:`MAX_BYTES`, or whose aliases expand to more than
:data:`MAX_NODES` values (a "billion laughs" file) or refer to themselves, is refused in
milliseconds with an Issue, before anything is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from curvelens.core.params import ParamValue, flatten_config
from curvelens.core.readers.base import ReadError
from curvelens.core.readers.bounded import read_document
from curvelens.core.readers.textfile import decode
from curvelens.core.schema import Issue

MAX_BYTES = 16 * 2**20
MAX_NODES = 200_000
_SHOWN_TAGS = 3
_NAMED = ("tag:yaml.org,2002:python/name:", "tag:yaml.org,2002:python/module:")


class _Refused(Exception):
    """The file is not loaded (too large once aliases are expanded, recursive)."""


class _TolerantLoader(yaml.SafeLoader):
    """SafeLoader that builds unknown tags as plain data and remembers them."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.unknown_tags: list[str] = []


def _plain(loader: _TolerantLoader, node: Node) -> Any:
    """An unknown-tag node as plain data: nothing is imported or called."""
    if node.tag not in loader.unknown_tags:
        loader.unknown_tags.append(node.tag)
    if isinstance(node, MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, SequenceNode):
        return loader.construct_sequence(node, deep=True)
    for prefix in _NAMED:  # !!python/name:torch.nn.ReLU '': the name is in the tag
        if node.tag.startswith(prefix):
            return node.tag[len(prefix) :]
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_TolerantLoader.add_constructor(None, _plain)


def _expanded_size(node: Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """Values ``node`` holds once every alias is copied (memoised: linear in the file)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise _Refused("an alias refers to itself (recursive YAML)")
    open_nodes.add(key)
    total = 1
    if isinstance(node, SequenceNode):
        children: list[Node] = list(node.value)
    elif isinstance(node, MappingNode):
        children = [part for pair in node.value for part in pair]
    else:
        children = []
    for child in children:
        total += _expanded_size(child, sizes, open_nodes)
        if total > MAX_NODES:
            raise _Refused(f"its aliases expand to more than {MAX_NODES:,} values")
    open_nodes.discard(key)
    sizes[key] = total
    return total


def parse_yaml(text: str) -> tuple[Any, list[str]]:
    """The content of ``text`` and the unknown tags built as plain data; raises
    yaml.YAMLError for bad YAML and _Refused for a file that is refused."""
    loader = _TolerantLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        _expanded_size(node, {}, set())
        return loader.construct_document(node), loader.unknown_tags
    finally:
        loader.dispose()


def _tag_note(path: Path, tags: list[str]) -> Issue:
    names = ", ".join("!" + tag.removeprefix("tag:yaml.org,2002:") for tag in tags[:_SHOWN_TAGS])
    more = f" and {len(tags) - _SHOWN_TAGS} more" if len(tags) > _SHOWN_TAGS else ""
    return Issue(path, f"tags read as plain data, never as code: {names}{more}; the rest kept")


def load_yaml(path: Path) -> tuple[Any, list[Issue]]:
    """The parsed content of ``path`` (None when absent, bad or refused) and the problems:
    unknown tags read as plain data, or why nothing was loaded."""
    try:
        data = read_document(path, MAX_BYTES)
    except ReadError as exc:
        return None, [Issue(path, f"YAML not loaded: {exc.message}")]
    try:
        content, tags = parse_yaml(decode(data))
    except yaml.YAMLError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, [Issue(path, f"YAML not loaded: {reason}")]
    except _Refused as exc:
        return None, [Issue(path, f"YAML not loaded: {exc}")]
    except RecursionError:
        return None, [Issue(path, "YAML not loaded: nested too deeply")]
    return content, [_tag_note(path, tags)] if tags else []


def yaml_params(path: Path) -> tuple[dict[str, ParamValue], list[Issue]]:
    """Flattened params of a YAML mapping file; a missing file gives no params and no Issue."""
    if not path.is_file():
        return {}, []
    content, issues = load_yaml(path)
    if content is None:
        return {}, issues
    if not isinstance(content, Mapping):
        return {}, [*issues, Issue(path, "ignored: not a YAML mapping")]
    return flatten_config(content), issues
