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


def _retry_after(
    throttle: LoginThrottle, address: str | None = "a", user: str | None = None
) -> int | None:
    try:
        throttle.attempt(address=address, user=user)
    except RateLimited as refused:
        return refused.retry_after_seconds
    return None


def _fail(
    throttle: LoginThrottle, times: int, address: str | None = "a", user: str | None = None
) -> None:
    for _ in range(times):
        throttle.attempt(address=address, user=user)


def test_the_free_failures_are_never_refused(throttle: LoginThrottle) -> None:
    assert [_retry_after(throttle) for _ in range(3)] == [None, None, None]


def test_after_the_free_failures_the_wait_doubles_up_to_the_cap(
    throttle: LoginThrottle, clock: Clock
) -> None:
    _fail(throttle, 3)
    waits = []
    for _ in range(6):
        waits.append(_retry_after(throttle))
        clock.now += waits[-1] or 0
        assert throttle.attempt(address="a", user=None) is not None  # allowed after the wait
    assert waits == [1, 2, 4, 8, 8, 8]


def test_a_refused_attempt_is_not_counted(throttle: LoginThrottle, clock: Clock) -> None:
    _fail(throttle, 3)
    for _ in range(5):
        assert _retry_after(throttle) == 1
    clock.now += 1
    assert _retry_after(throttle) is None


def test_an_address_must_wait_whatever_name_it_tries(throttle: LoginThrottle) -> None:
    for name in ("ada", "bob", "carol"):
        _fail(throttle, 1, address="1", user=name)
    assert _retry_after(throttle, "1", "dave") == 1


def test_a_names_back_off_holds_for_addresses_that_failed_themselves(
    throttle: LoginThrottle,
) -> None:
    for address in ("1", "2", "3"):
        _fail(throttle, 1, address=address, user="bob")
    assert _retry_after(throttle, "1", "bob") == 1


def test_a_names_back_off_spares_an_address_with_a_clean_record(throttle: LoginThrottle) -> None:
    _fail(throttle, 3, address="1", user="bob")
    assert _retry_after(throttle, "2", "bob") is None


def test_a_names_back_off_holds_when_the_address_is_unknown(throttle: LoginThrottle) -> None:
    _fail(throttle, 3, address=None, user="bob")
    assert _retry_after(throttle, None, "bob") == 1


def test_a_success_gives_the_address_its_attempt_back_and_clears_only_its_name(
    throttle: LoginThrottle,
) -> None:
    _fail(throttle, 2, address="1", user="bob")
    right = throttle.attempt(address="1", user="ada")
    throttle.succeeded(right)
    _fail(throttle, 1, address="1", user="bob")
    # bob's three failures still count, and so do the address's
    assert _retry_after(throttle, "1", "carol") == 1
    _fail(throttle, 1, address="2", user="ada")
    assert _retry_after(throttle, "2", "bob") == 1


def test_concurrent_guesses_are_counted_before_they_are_checked(throttle: LoginThrottle) -> None:
    # Four attempts begun at once (none has failed yet): the fourth is already refused.
    assert [_retry_after(throttle) for _ in range(4)] == [None, None, None, 1]


def test_a_key_left_alone_long_enough_starts_over(throttle: LoginThrottle, clock: Clock) -> None:
    _fail(throttle, 3)
    clock.now += 60
    assert [_retry_after(throttle) for _ in range(3)] == [None, None, None]


def test_memory_is_bounded_by_forgetting_the_least_recent_key(clock: Clock) -> None:
    throttle = LoginThrottle(free=1, base=1.0, cap=1.0, max_keys=2, clock=clock)
    for key in ("a", "b", "c"):
        throttle.attempt(address=key, user=None)
    assert len(throttle) == 2
    assert _retry_after(throttle, "a") is None  # forgotten: a fresh start
    assert _retry_after(throttle, "c") == 1


def test_no_free_failures_turns_the_throttle_off(clock: Clock) -> None:
    throttle = LoginThrottle(free=0, base=1.0, cap=1.0, clock=clock)
    assert [throttle.attempt(address="a", user="b") for _ in range(10)] == [None] * 10


def test_a_check_without_a_free_slot_is_refused_and_not_counted(clock: Clock) -> None:
    throttle = LoginThrottle(free=1, base=1.0, cap=1.0, slots=1, clock=clock)
    held = throttle.attempt(address="a", user="ada")
    with throttle.checking(held):
        waiting = throttle.attempt(address="b", user="bob")
        with pytest.raises(RateLimited) as refused, throttle.checking(waiting):
            pass
    assert refused.value.retry_after_seconds == 1
    assert _retry_after(throttle, "b", "bob") is None  # b's refused attempt was given back
