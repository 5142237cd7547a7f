"""Cyclos' ``fields`` parameter: which keys of a JSON response to keep, level by level.

:func:`parse_fields` reads the raw values a client sent into a :class:`FieldSelector` and never
fails (there is nothing Cyclos would refuse: unknown and blank names select nothing);
:func:`apply_fields` filters a response body by it. Nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["FieldSelector", "apply_fields", "parse_fields"]

_EXCLUDE_PREFIXES = ("-", "!")
_ADD_PREFIX = "+"
_WILDCARD = "*"


@dataclass(frozen=True)
class FieldSelector:
    """Which keys of a JSON object to keep, level by level (Cyclos' ``fields`` parameter).

    ``include`` is the whitelist at this level (empty: every key, as is ``*``), ``exclude`` the
    blacklist (it wins over the whitelist), and ``nested`` the selectors for the values of named
    keys, as sorted ``(key, selector)`` pairs so that equal selections compare equal.
    """

    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    nested: tuple[tuple[str, FieldSelector], ...] = ()

    def __bool__(self) -> bool:
        """False for the empty selector, which keeps everything."""
        return bool(self.include or self.exclude or self.nested)

    def child(self, key: str) -> FieldSelector | None:
        """The selector for the value under ``key``, if any was given."""
        for name, selector in self.nested:
            if name == key:
                return selector
        return None

    def keeps(self, key: str) -> bool:
        """Whether ``key`` survives at this level."""
        if key in self.exclude:
            return False
        return not self.include or _WILDCARD in self.include or key in self.include


@dataclass
class _SelectorBuilder:
    include: set[str]
    exclude: set[str]
    nested: dict[str, _SelectorBuilder]

    @classmethod
    def empty(cls) -> _SelectorBuilder:
        return cls(set(), set(), {})

    def add(self, path: list[str]) -> None:
        node = self
        for depth, segment in enumerate(path):
            if segment.startswith(_EXCLUDE_PREFIXES):
                name = segment[1:].strip()
                if name:
                    node.exclude.add(name)
                return  # excluding a field makes any deeper selection moot
            if segment.startswith(_ADD_PREFIX):
                # Cyclos 4.16 "+name": ask for a field without turning on the whitelist.
                name = segment[1:].strip()
                if not name:
                    return
            else:
                name = segment
                node.include.add(name)
            if depth < len(path) - 1:
                node = node.nested.setdefault(name, _SelectorBuilder.empty())

    def freeze(self) -> FieldSelector:
        return FieldSelector(
            include=frozenset(self.include),
            exclude=frozenset(self.exclude),
            nested=tuple((name, child.freeze()) for name, child in sorted(self.nested.items())),
        )


def parse_fields(values: Sequence[str]) -> FieldSelector:
    """Combine ``fields`` values, repeated and/or comma-separated, into one selector.

    Unprefixed names whitelist a key; ``-name`` or ``!name`` blacklist it; dots nest, so
    ``a,b.b1,c.-c1`` keeps ``a``, ``b`` with only ``b1`` inside, and ``c`` without ``c1``. A
    dotted path also whitelists its first key (``c`` above). Selections for the same key merge
    (``b,b.b1`` is ``b.b1``); a key both whitelisted and blacklisted is dropped. ``*`` keeps
    every key of its level, and ``+name`` (Cyclos 4.16) names a key without whitelisting. Blank
    names and empty path segments are ignored, so this never fails.
    """
    root = _SelectorBuilder.empty()
    for value in values:
        for item in value.split(","):
            path = [segment.strip() for segment in item.split(".")]
            path = [segment for segment in path if segment]
            if path:
                root.add(path)
    return root.freeze()


def apply_fields(data: Any, selector: FieldSelector) -> Any:
    """Filter ``data`` by ``selector``: dicts recursively, lists element by element.

    Other values come back unchanged, and so does everything when the selector is empty.
    """
    if not selector:
        return data
    if isinstance(data, Mapping):
        kept: dict[Any, Any] = {}
        for key, value in data.items():
            if not selector.keeps(key):
                continue
            child = selector.child(key)
            kept[key] = value if child is None else apply_fields(value, child)
        return kept
    if isinstance(data, list | tuple):
        return [apply_fields(item, selector) for item in data]
    return data
