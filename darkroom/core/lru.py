"""A bounded, thread-safe map that forgets what was used least recently.

Bounded by total weight: by default every entry weighs 1 (a bound on entries); give ``weigh`` to
bound something else, such as bytes. Used from the event loop and from worker threads alike, so
every operation takes one uncontended lock for a few dictionary operations.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one(_value: object) -> int:
    return 1


class LRU(Generic[K, V]):
    def __init__(self, max_weight: int, *, weigh: Callable[[V], int] = _one) -> None:
        self.max_weight = max_weight
        self._weigh = weigh
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: K, value: V) -> list[V]:
        """Keep ``value`` under ``key``; returns what was dropped to make room. A value heavier
        than the whole budget is not kept."""
        weight = self._weigh(value)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._weight -= old[1]
            if weight > self.max_weight:
                return []
            self._entries[key] = (value, weight)
            self._weight += weight
            dropped = []
            while self._weight > self.max_weight:
                _key, (gone, gone_weight) = self._entries.popitem(last=False)
                self._weight -= gone_weight
                dropped.append(gone)
            return dropped

    def discard(self, key: K) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._weight -= old[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weight = 0

    @property
    def weight(self) -> int:
        return self._weight

    def __len__(self) -> int:
        return len(self._entries)
