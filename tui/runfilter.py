"""The run filter: whitespace-separated terms that must all match.

Terms: a word or regex (name, path, format, status, ``key=value`` of params), ``key=value``
(numeric equality, so ``5e-4`` matches ``0.0005``, else a regex on the value), ``key!=v``,
``key<v``, ``key>v``, ``key<=v``, ``key>=v`` (numeric), ``has:key``, ``status:running``,
``format:csv``, and ``!term`` for any negated term. Keys match dotted suffixes: ``lr``
matches ``optim.lr``.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable

from curvelens.tui.runs import RunEntry

Test = Callable[[RunEntry], bool]
_COMPARE = re.compile(r"^([^<>=!:]+)(!=|<=|>=|=|<|>)(.*)$")
_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
}  # fmt: skip


def _as_float(text: str) -> float | None:
    """``text`` as a float, or None."""
    try:
        return float(text)
    except ValueError:
        return None


def _pattern(text: str) -> re.Pattern[str]:
    """A case-insensitive regex; text that is not a valid regex is matched literally."""
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(text), re.IGNORECASE)


def key_matches(key: str, wanted: str) -> bool:
    """``lr`` matches ``lr``, ``optim.lr`` and ``param.lr``; ``config.model`` matches ``model``."""
    key, wanted = key.lower(), wanted.lower().removeprefix("param.")
    return key == wanted or key.endswith("." + wanted) or wanted.removeprefix("config.") == key


def _values(entry: RunEntry, key: str) -> list[str]:
    """Values of the params of ``entry`` whose key matches ``key``."""
    return [text for name, text in entry.params.items() if key_matches(name, key)]


def _equals(key: str, value: str) -> Test:
    """``key=value``: numeric equality, or a regex match of the value."""
    number, pattern = _as_float(value), _pattern(value)

    def test(entry: RunEntry) -> bool:
        for text in _values(entry, key):
            found = _as_float(text)
            if number is not None and found is not None and math.isclose(found, number):
                return True
            if pattern.fullmatch(text) or (number is None and pattern.search(text)):
                return True
        return False

    return test


def _ordered(key: str, op: str, value: str) -> Test:
    """``key<v`` and friends: numeric comparison of any matching param."""
    number, compare = _as_float(value), _NUMERIC[op]
    if number is None:
        return lambda entry: False

    def test(entry: RunEntry) -> bool:
        found = [_as_float(text) for text in _values(entry, key)]
        return any(f is not None and compare(f, number) for f in found)

    return test


def _text(text: str) -> Test:
    """A plain term: regex or substring on name, path, format, status and params."""
    pattern = _pattern(text)

    def test(entry: RunEntry) -> bool:
        fields = [entry.name, entry.path, entry.format, entry.status]
        fields += [f"{k}={v}" for k, v in entry.params.items()]
        return any(pattern.search(f) for f in fields)

    return test


def _term(term: str) -> Test:
    """The test of one term (negation handled by the caller)."""
    lower = term.lower()
    if lower.startswith("has:"):
        key = term[4:]
        return lambda entry: bool(_values(entry, key))
    if lower.startswith("status:"):
        wanted = _pattern(term[7:])
        return lambda entry: bool(wanted.search(entry.status))
    if lower.startswith("format:"):
        wanted = _pattern(term[7:])
        return lambda entry: bool(wanted.search(entry.format))
    match = _COMPARE.match(term)
    if match is None:
        return _text(term)
    key, op, value = match.groups()
    if op == "=":
        return _equals(key, value)
    if op == "!=":
        same = _equals(key, value)
        return lambda entry: bool(_values(entry, key)) and not same(entry)
    return _ordered(key, op, value)


def compile_filter(text: str) -> Test:
    """A predicate for the filter ``text`` (grammar in the module docstring)."""
    tests: list[Test] = []
    for term in text.split():
        if term.startswith("!") and len(term) > 1:
            inner = _term(term[1:])
            tests.append(lambda entry, inner=inner: not inner(entry))  # type: ignore[misc]
        else:
            tests.append(_term(term))
    return lambda entry: all(test(entry) for test in tests)
