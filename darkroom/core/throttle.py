"""Back-off for failed logins, per client address and per user name, so guessing is slow.

Each key (``address:<ip>``, ``user:<name>``) counts its recent failures. The first ``free``
failures cost nothing; from then on the key must wait ``base * 2**(k-1)`` seconds (at most
``cap``) after its latest counted attempt, ``k`` being how many failures are over the free ones.
A key left alone for ``forget`` seconds starts again from nothing.

An attempt is counted *before* the password is checked (``attempt``), so concurrent guesses
cannot all slip through while the first ones are still hashing; a success then gives the address
its attempt back and clears the user name's count (``succeeded``), never another key's. Callers
that can tell a request is right without hashing (the verified-password cache, a valid token)
never ask here, so clients with good credentials are never slowed.

State lives in this process, bounded to ``max_keys`` keys (least recently used forgotten first):
with N worker processes or instances an attacker gets up to N times the allowance.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from darkroom.clock import monotonic
from darkroom.errors import RateLimited

DEFAULT_MAX_KEYS = 100_000  # ~200 bytes each: some 20 MB per worker at worst


def address_key(address: str) -> str:
    return f"address:{address}"


def user_key(name: str) -> str:
    return f"user:{name}"


@dataclass(frozen=True)
class Attempt:
    """One counted attempt, handed back to ``succeeded`` when it turned out right."""

    keys: tuple[str, ...]
    at: float
    before: tuple[tuple[int, float] | None, ...]  # each key's state before this attempt


class LoginThrottle:
    """Failure counts by key; thread-safe. ``free`` 0 turns throttling off."""

    def __init__(
        self,
        *,
        free: int,
        base: float,
        cap: float,
        forget: float = 3600.0,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        if free < 0 or base <= 0 or cap < base or forget <= 0 or max_keys < 1:
            raise ValueError("free >= 0, 0 < base <= cap, forget > 0 and max_keys >= 1")
        self.free, self.base, self.cap, self.forget = free, base, cap, forget
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (failures counted, when the latest was); least recently touched first
        self._keys: OrderedDict[str, tuple[int, float]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.free > 0

    def delay(self, failures: int) -> float:
        """How long a key with ``failures`` counted must wait after the latest one."""
        over = failures - self.free + 1
        if over <= 0:
            return 0.0
        return min(self.cap, self.base * 2.0 ** min(over - 1, 64))

    def attempt(self, keys: Sequence[str]) -> Attempt | None:
        """Count an attempt on every key; ``RateLimited`` (nothing counted) when any must wait.

        None when throttling is off.
        """
        if not self.enabled:
            return None
        with self._lock:
            now = self._clock()
            states = [self._current(key, now) for key in keys]
            wait = max((self._wait(state, now) for state in states), default=0.0)
            if wait > 0:
                raise RateLimited(
                    math.ceil(wait),
                    limit=self.free,
                    message=f"too many failed logins; try again in {math.ceil(wait)} s",
                )
            for key, state in zip(keys, states, strict=True):
                self._keys.pop(key, None)
                self._keys[key] = ((state[0] if state else 0) + 1, now)
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)
            return Attempt(keys=tuple(keys), at=now, before=tuple(states))

    def succeeded(self, attempt: Attempt | None, *, clear: Sequence[str] = ()) -> None:
        """``attempt`` was right: its keys get it back, and the keys in ``clear`` start over."""
        if attempt is None:
            return
        with self._lock:
            for key, before in zip(attempt.keys, attempt.before, strict=True):
                if key in clear:
                    self._keys.pop(key, None)
                    continue
                state = self._keys.get(key)
                if state is None:
                    continue
                failures, at = state
                # Only this attempt's time is taken back: a later one's stays.
                if failures <= 1:
                    self._keys.pop(key)
                else:
                    earlier = before[1] if before is not None and at == attempt.at else at
                    self._keys[key] = (failures - 1, earlier)

    def _current(self, key: str, now: float) -> tuple[int, float] | None:
        state = self._keys.get(key)
        if state is not None and now - state[1] >= self.forget:
            del self._keys[key]
            return None
        return state

    def _wait(self, state: tuple[int, float] | None, now: float) -> float:
        if state is None:
            return 0.0
        failures, at = state
        return max(0.0, at + self.delay(failures) - now)

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)
