"""What a delivery reads of a request's headers: its conditions (RFC 9110 §13) and its range
(§14). Read once, as plain strings, so the hot path never builds a header map."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

# The request headers a delivery reads, as ASGI names them.
NAMES = frozenset({b"if-none-match", b"if-modified-since", b"range", b"if-range"})


class Conditions(NamedTuple):
    if_none_match: str | None = None
    if_modified_since: str | None = None
    range: str | None = None
    if_range: str | None = None

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> Conditions:
        """From a request's headers (Starlette's, or any map with lower-case names)."""
        return cls(
            headers.get("if-none-match"),
            headers.get("if-modified-since"),
            headers.get("range"),
            headers.get("if-range"),
        )

    @classmethod
    def from_raw(cls, pairs: Iterable[tuple[bytes, bytes]]) -> Conditions:
        """From ASGI header pairs already known to be among ``NAMES`` (the first of each wins,
        as ``Headers.get`` has it)."""
        found: dict[bytes, str] = {}
        for name, value in pairs:
            found.setdefault(name, value.decode("latin-1"))
        if not found:
            return NONE
        return cls(
            found.get(b"if-none-match"),
            found.get(b"if-modified-since"),
            found.get(b"range"),
            found.get(b"if-range"),
        )


NONE = Conditions()  # a request that asks for the whole current bytes, unconditionally
