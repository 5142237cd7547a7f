"""What capabilities resolve to, remembered until something changes (``core/generation.py``).

A door names a resolution by a key of its own (say ``("moov", public_id)``) and asks core to
find it on a miss. Only answers that do not depend on who asks are remembered: capabilities (a
public id works for anyone holding it) and images every guest may see. The cache holds at most
``max_entries`` and starts over whenever the instance's generation moves, so a delete, trash,
privacy or grant change is never answered from it afterwards.
"""

from __future__ import annotations

from collections.abc import Hashable

from darkroom.core.generation import Generation
from darkroom.core.lru import LRU
from darkroom.core.records import ImageRecord

DEFAULT_MAX_ENTRIES = 100_000  # about 100 MB at worst; a resolution is a small frozen record


class Resolutions:
    def __init__(self, generation: Generation, *, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self._generation = generation
        self._entries: LRU[Hashable, ImageRecord] = LRU(max_entries)
        self._filled_at: int | None = None  # read on first use: that starts the poller

    def epoch(self) -> int:
        """The generation to pass to ``put`` for an answer about to be looked up."""
        return self._generation.current()

    def get(self, key: Hashable) -> ImageRecord | None:
        now = self._generation.current()
        if now != self._filled_at:
            self._entries.clear()
            self._filled_at = now
        return self._entries.get(key)

    def put(self, key: Hashable, image: ImageRecord, epoch: int) -> None:
        """Remember ``image`` if nothing changed since ``epoch`` (taken before the lookup, so an
        answer read before a change is never kept after it)."""
        if epoch == self._generation.current() == self._filled_at:
            self._entries.put(key, image)

    def __len__(self) -> int:
        return len(self._entries)
