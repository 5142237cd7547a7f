"""Back-off for failed logins, per client address and per user name, so guessing is slow.

Each key (a client address, a user name) counts its recent failures. The first ``free``
failures cost nothing; from then on the key must wait ``base * 2**(k-1)`` seconds (at most
``cap``) after its latest counted attempt, ``k`` being how many failures are over the free ones.
A key left alone for ``forget`` seconds starts again from nothing.

An address must wait for its own failures, whatever name it tries. A user name's back-off holds
only for addresses that have failed recently themselves: a client with a clean record is never
refused because someone elsewhere guesses its name (else anyone could lock a user out), while a
guesser spread over many addresses gets one free try per address and name, not ``free``.

An attempt is counted *before* the password is checked (``attempt``), so concurrent guesses
cannot all slip through while the first ones are still hashing; a success then gives the address
its attempt back and clears the user name's count (``succeeded``), never another name's. Callers
that can tell a request is right without hashing (the verified-password cache, a valid token)
never ask here, so clients with good credentials are never slowed.

Checks are also bounded in number at once (``checking``: ``slots``, by default two per core):
scrypt takes ~40 ms of CPU and 16 MB, so a flood from many addresses would otherwise hold every
thread of the server's pool and starve uploads; a check that finds no slot within
``SLOT_WAIT_S`` is refused with a 1 s ``RateLimited``.

State lives in this process, bounded to ``max_keys`` keys (least recently used forgotten first):
with N worker processes or instances an attacker gets up to N times the allowance.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from darkroom.clock import monotonic
from darkroom.errors import RateLimited

DEFAULT_MAX_KEYS = 100_000  # ~200 bytes each: some 20 MB per worker at worst
SLOT_WAIT_S = 0.25  # how long a password check waits for a slot before it is refused


@dataclass(frozen=True)
class Attempt:
    """One counted attempt, handed back to ``succeeded`` when it turned out right."""

    address: str | None
    user: str | None
    at: float
    before: tuple[int, float] | None  # the address's state before this attempt


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
        slots: int | None = None,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        if free < 0 or base <= 0 or cap < base or forget <= 0 or max_keys < 1:
            raise ValueError("free >= 0, 0 < base <= cap, forget > 0 and max_keys >= 1")
        self.free, self.base, self.cap, self.forget = free, base, cap, forget
        self.max_keys = max_keys
        self.slots = slots or 2 * (os.cpu_count() or 1)
        self._slots = threading.BoundedSemaphore(self.slots)
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

    def attempt(self, *, address: str | None, user: str | None) -> Attempt | None:
        """Count an attempt of ``address`` (None: unknown) for the name ``user`` (None: no
        name, e.g. a token); ``RateLimited``, nothing counted, when it must wait first.

        None when throttling is off.
        """
        if not self.enabled:
            return None
        keys = [key for key in (_address(address), _user(user)) if key is not None]
        with self._lock:
            now = self._clock()
            by_address = self._current(keys[0], now) if address is not None else None
            wait = self._wait(by_address, now)
            if user is not None and (address is None or by_address is not None):
                wait = max(wait, self._wait(self._current(keys[-1], now), now))
            if wait > 0:
                raise self._refusal(wait)
            for key in keys:
                state = self._keys.pop(key, None)
                self._keys[key] = ((state[0] if state else 0) + 1, now)
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)
            return Attempt(address=address, user=user, at=now, before=by_address)

    def refuse_waiting(self, address: str) -> None:
        """``RateLimited`` if ``address`` must wait now (counts nothing): the cheap early check
        made before a password is even looked up."""
        if not self.enabled:
            return
        key = _address(address) or ""
        with self._lock:
            now = self._clock()
            wait = self._wait(self._current(key, now), now)
        if wait > 0:
            raise self._refusal(wait)

    def _refusal(self, wait: float) -> RateLimited:
        seconds = math.ceil(wait)
        return RateLimited(
            seconds, limit=self.free, message=f"too many failed logins; try again in {seconds} s"
        )

    def succeeded(self, attempt: Attempt | None) -> None:
        """``attempt`` was right: its address gets it back, its user name starts over."""
        if attempt is None:
            return
        with self._lock:
            if attempt.user is not None:
                self._keys.pop(_user(attempt.user) or "", None)
            self._give_back(attempt)

    def cancel(self, attempt: Attempt | None) -> None:
        """``attempt`` was never checked (no slot): its address gets it back."""
        if attempt is None:
            return
        with self._lock:
            user = _user(attempt.user)
            state = self._keys.get(user) if user is not None else None
            if user is not None and state is not None:
                if state[0] <= 1:
                    del self._keys[user]
                else:
                    self._keys[user] = (state[0] - 1, state[1])
            self._give_back(attempt)

    def _give_back(self, attempt: Attempt) -> None:
        # Called with the lock held.
        key = _address(attempt.address)
        state = self._keys.get(key) if key is not None else None
        if key is None or state is None:
            return
        failures, at = state
        if failures <= 1:
            del self._keys[key]
        else:
            # Only this attempt's time is taken back: a later one's stays.
            before = attempt.before
            earlier = before[1] if before is not None and at == attempt.at else at
            self._keys[key] = (failures - 1, earlier)

    @contextmanager
    def checking(self, attempt: Attempt | None) -> Iterator[None]:
        """Hold one of the ``slots`` for the check of ``attempt``; when none frees up within
        ``SLOT_WAIT_S``, the attempt is not counted and ``RateLimited`` is raised."""
        if not self._slots.acquire(timeout=SLOT_WAIT_S):
            self.cancel(attempt)
            raise RateLimited(1, message="too many password checks at once; try again in 1 s")
        try:
            yield
        finally:
            self._slots.release()

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
        """How many keys are remembered."""
        with self._lock:
            return len(self._keys)


def _address(address: str | None) -> str | None:
    return f"address:{address}" if address is not None else None


def _user(name: str | None) -> str | None:
    return f"user:{name}" if name is not None else None
