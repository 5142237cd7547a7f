"""The failed-login back-off (core/throttle.py), on a clock the tests move by hand."""

from __future__ import annotations

import pytest

from darkroom.core.throttle import LoginThrottle
from darkroom.errors import RateLimited


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttle(clock: Clock) -> LoginThrottle:
    return LoginThrottle(free=3, base=1.0, cap=8.0, forget=60.0, clock=clock)


def _retry_after(throttle: LoginThrottle, keys: list[str]) -> int | None:
    try:
        throttle.attempt(keys)
    except RateLimited as refused:
        return refused.retry_after_seconds
    return None


def test_the_free_failures_are_never_refused(throttle: LoginThrottle) -> None:
    assert [_retry_after(throttle, ["a"]) for _ in range(3)] == [None, None, None]


def test_after_the_free_failures_the_wait_doubles_up_to_the_cap(
    throttle: LoginThrottle, clock: Clock
) -> None:
    for _ in range(3):
        throttle.attempt(["a"])
    waits = []
    for _ in range(6):
        waits.append(_retry_after(throttle, ["a"]))
        clock.now += waits[-1] or 0
        assert throttle.attempt(["a"]) is not None  # allowed once the wait is over
    assert waits == [1, 2, 4, 8, 8, 8]


def test_a_refused_attempt_is_not_counted(throttle: LoginThrottle, clock: Clock) -> None:
    for _ in range(3):
        throttle.attempt(["a"])
    for _ in range(5):
        assert _retry_after(throttle, ["a"]) == 1
    clock.now += 1
    assert _retry_after(throttle, ["a"]) is None


def test_any_key_that_must_wait_refuses_the_attempt(throttle: LoginThrottle) -> None:
    for _ in range(3):
        throttle.attempt(["address:1", "user:bob"])
    assert _retry_after(throttle, ["address:2", "user:bob"]) == 1
    assert _retry_after(throttle, ["address:1", "user:ada"]) == 1
    assert _retry_after(throttle, ["address:2", "user:ada"]) is None


def test_a_success_gives_the_address_its_attempt_back_and_clears_only_its_user(
    throttle: LoginThrottle,
) -> None:
    throttle.attempt(["address:1", "user:bob"])
    throttle.attempt(["address:1", "user:bob"])
    right = throttle.attempt(["address:1", "user:ada"])
    throttle.succeeded(right, clear=["user:ada"])
    # bob's two failures still count, and so do the address's
    throttle.attempt(["address:1", "user:bob"])
    assert _retry_after(throttle, ["address:3", "user:bob"]) == 1
    assert _retry_after(throttle, ["address:1", "user:carol"]) == 1


def test_concurrent_guesses_are_counted_before_they_are_checked(throttle: LoginThrottle) -> None:
    # Four attempts begun at once (none has failed yet): the fourth is already refused.
    started = [_retry_after(throttle, ["a"]) for _ in range(4)]
    assert started == [None, None, None, 1]


def test_a_key_left_alone_long_enough_starts_over(throttle: LoginThrottle, clock: Clock) -> None:
    for _ in range(3):
        throttle.attempt(["a"])
    clock.now += 60
    assert [_retry_after(throttle, ["a"]) for _ in range(3)] == [None, None, None]


def test_memory_is_bounded_by_forgetting_the_least_recent_key(clock: Clock) -> None:
    throttle = LoginThrottle(free=1, base=1.0, cap=1.0, max_keys=2, clock=clock)
    for key in ("a", "b", "c"):
        throttle.attempt([key])
    assert len(throttle) == 2
    assert _retry_after(throttle, ["a"]) is None  # forgotten: a fresh start
    assert _retry_after(throttle, ["c"]) == 1


def test_no_free_failures_turns_the_throttle_off(clock: Clock) -> None:
    throttle = LoginThrottle(free=0, base=1.0, cap=1.0, clock=clock)
    assert [throttle.attempt(["a"]) for _ in range(10)] == [None] * 10
