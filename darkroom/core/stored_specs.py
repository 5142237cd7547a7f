"""Which variants of a blob are stored, remembered for a moment, so a flood is refused cheaply.

A render refused by the rate limit must never be a cache hit in disguise: a stored variant is sent
to anyone, limited or not. So before it refuses, delivery asks whether the variant is stored,
and a flood of new sizes against one image asked the database that on every request. Here the
stored spec keys of a blob are remembered when a refusal first reads them, and for
``fresh_seconds`` after that a new size can be refused from memory. What this instance stores is
added at once; what another instance stores meanwhile is seen when the memory is read again, so a
variant another instance has just made may be refused for at most ``fresh_seconds`` (the same
bound as every other change between instances, ``core/generation.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from darkroom.clock import monotonic
from darkroom.core.lru import LRU

BLOBS_REMEMBERED = 4_096  # a flood targets a few images; each entry holds that blob's spec keys
FRESH_SECONDS = 2.0  # the documented bound for changes between instances (docs/operations.md)


class StoredSpecs:
    def __init__(
        self,
        fresh_seconds: float = FRESH_SECONDS,
        *,
        max_blobs: int = BLOBS_REMEMBERED,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.fresh_seconds = fresh_seconds
        self._clock = clock
        # blob sha256 -> (when the spec keys were read, the spec keys stored then and since)
        self._blobs: LRU[str, tuple[float, set[str]]] = LRU(max_blobs)

    def remember(self, sha256: str, spec_keys: Iterable[str]) -> None:
        """The spec keys stored for ``sha256``, as just read from the database."""
        self._blobs.put(sha256, (self._clock(), set(spec_keys)))

    def add(self, sha256: str, spec_key: str) -> None:
        """This instance has stored ``spec_key`` of ``sha256``."""
        known = self._blobs.get(sha256)
        if known is not None:
            known[1].add(spec_key)

    def surely_absent(self, sha256: str, spec_key: str) -> bool:
        """True only when ``spec_key`` of ``sha256`` was not stored at a reading of at most
        ``fresh_seconds`` ago (and not stored here since); False when unknown."""
        known = self._blobs.get(sha256)
        if known is None:
            return False
        read_at, spec_keys = known
        return self._clock() - read_at <= self.fresh_seconds and spec_key not in spec_keys
