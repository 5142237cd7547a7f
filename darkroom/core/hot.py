"""Small variants that are asked for again, kept in memory within a byte budget.

Keys are the identities of what is sent (a variant's or an original's ETag), which never name
two different contents, so nothing here needs invalidating: who may see an image is decided
before the bytes are looked up. A first request only notes the key; the bytes are kept when the
same key is asked for again (so a flood of one-off sizes does not push the hot set out), and only
when they are at most ``max_item_bytes``.
"""

from __future__ import annotations

from typing import NamedTuple

from darkroom.core import metrics
from darkroom.core.lru import LRU
from darkroom.core.tallies import Tally

DEFAULT_MAX_ITEM_BYTES = 512 * 1024
_SEEN_KEYS = 65_536  # keys asked for once, remembered so the second ask admits the bytes
_HITS = Tally(metrics.MEMORY_LOOKUPS.labels("hit"))  # counted on the hot path: core/tallies.py
_MISSES = Tally(metrics.MEMORY_LOOKUPS.labels("miss"))


class Hot(NamedTuple):
    media_type: str
    data: bytes
    variant_id: int | None = None  # the stored variant they are a copy of (its uses are noted)


class HotBytes:
    def __init__(self, budget_bytes: int, *, max_item_bytes: int = DEFAULT_MAX_ITEM_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self.max_item_bytes = min(max_item_bytes, budget_bytes)
        self._bytes: LRU[str, Hot] = LRU(budget_bytes, weigh=lambda hot: len(hot.data))
        self._seen: LRU[str, bool] = LRU(_SEEN_KEYS)

    def get(self, key: str) -> Hot | None:
        if not self.budget_bytes:
            return None
        hot = self._bytes.get(key)
        (_MISSES if hot is None else _HITS).inc()
        return hot

    def wanted(self, key: str, size: int) -> bool:
        """Whether bytes of ``size`` under ``key`` should be kept once read: the key was asked
        for before and they fit. Notes this ask either way."""
        if not self.budget_bytes or size > self.max_item_bytes:
            return False
        if self._seen.get(key):
            return True
        self._seen.put(key, True)
        return False

    def keep(self, key: str, media_type: str, data: bytes, variant_id: int | None = None) -> None:
        before = self._bytes.weight
        self._bytes.put(key, Hot(media_type, data, variant_id))
        metrics.MEMORY_BYTES.inc(self._bytes.weight - before)

    @property
    def stored_bytes(self) -> int:
        return self._bytes.weight
