"""Render allowances per client address, so one anonymous client cannot keep the CPU slots busy.

A token bucket per client: it holds at most ``burst`` tokens and refills at ``rate`` tokens a
second; each render takes one. A client whose bucket is empty is told how long until its next
token, and nothing it asks for is rendered meanwhile. Only renders are counted (the caller asks
here when a variant is missing, never on a cache hit), and only for requests without credentials
(the door passes ``None`` for everyone else).

Memory is bounded: at most ``max_clients`` buckets are kept, and the least recently seen client
is forgotten first. A forgotten client comes back with a full bucket, which is what any new
address gets anyway. Buckets live in one process: with several workers or instances a client
gets up to that many allowances (each worker refuses on its own).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable

from darkroom.clock import monotonic
from darkroom.errors import RateLimited

DEFAULT_MAX_CLIENTS = 10_000  # ~250 bytes each: a few MB per worker at most


class RenderLimiter:
    """Token buckets by client; thread-safe. ``rate`` 0 allows everything."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        if rate < 0 or not math.isfinite(rate):
            raise ValueError("rate must be a finite number of tokens a second, 0 or more")
        if burst < 1 or max_clients < 1:
            raise ValueError("burst and max_clients must be at least 1")
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()
        # client -> (tokens left, when they were counted); least recently seen first
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, client: str) -> float | None:
        """Take a token for ``client``: None when it had one, else the seconds until it will."""
        if not self.enabled:
            return None
        with self._lock:
            now = self._clock()
            kept = self._buckets.pop(client, None)
            if kept is None:
                tokens, stamp = float(self.burst), now
            else:
                tokens, stamp = kept
                tokens = min(float(self.burst), tokens + max(0.0, now - stamp) * self.rate)
                stamp = max(now, stamp)
            wait: float | None = None
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[client] = (tokens, stamp)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait

    def waiting(self, client: str) -> float | None:
        """The seconds until ``client`` has a token, when it has none now (None: it has one, or
        nothing is limited). Takes nothing: for refusing from memory without counting twice."""
        if not self.enabled:
            return None
        with self._lock:
            kept = self._buckets.get(client)
            if kept is None:
                return None
            tokens, stamp = kept
            tokens = min(float(self.burst), tokens + max(0.0, self._clock() - stamp) * self.rate)
            return None if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def check(self, client: str | None) -> None:
        """Raise ``RateLimited`` when ``client`` may not render now; None is never limited."""
        if client is None:
            return
        wait = self.take(client)
        if wait is not None:
            raise RateLimited(math.ceil(wait), limit=self.burst)

    def __len__(self) -> int:
        """How many clients are remembered."""
        with self._lock:
            return len(self._buckets)
