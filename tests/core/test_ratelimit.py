"""Render allowances: a token bucket per client address, bounded in memory, on an injected clock.

``ManualClock`` is a real clock that moves only when told to, so every test says exactly how
much time passed (no sleeping, no timing assertions).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.core.ratelimit import RenderLimiter
from darkroom.errors import RateLimited

EPSILON = 1e-9  # float rounding of refills


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _limiter(
    rate: float = 2.0, burst: int = 3, **options: int
) -> tuple[RenderLimiter, ManualClock]:
    clock = ManualClock()
    return RenderLimiter(rate, burst, clock=clock, **options), clock


def test_a_new_client_may_render_its_whole_burst_at_once() -> None:
    limiter, _ = _limiter(burst=3)
    assert [limiter.take("10.0.0.1") for _ in range(3)] == [None, None, None]


def test_a_client_past_its_burst_is_told_when_its_next_token_comes() -> None:
    limiter, _ = _limiter(rate=2.0, burst=3)
    for _ in range(3):
        limiter.take("10.0.0.1")
    assert limiter.take("10.0.0.1") == pytest.approx(0.5)


def test_tokens_come_back_at_the_rate() -> None:
    limiter, clock = _limiter(rate=2.0, burst=3)
    for _ in range(3):
        limiter.take("10.0.0.1")
    clock.advance(1.0)  # two tokens
    assert [limiter.take("10.0.0.1") for _ in range(3)] == [None, None, pytest.approx(0.5)]


def test_tokens_never_pile_up_beyond_the_burst() -> None:
    limiter, clock = _limiter(rate=2.0, burst=3)
    limiter.take("10.0.0.1")
    clock.advance(3600)
    allowed = [limiter.take("10.0.0.1") is None for _ in range(5)]
    assert allowed == [True, True, True, False, False]


def test_a_refusal_costs_nothing() -> None:
    limiter, clock = _limiter(rate=1.0, burst=1)
    limiter.take("10.0.0.1")
    for _ in range(10):
        assert limiter.take("10.0.0.1") == pytest.approx(1.0)
    clock.advance(1.0)
    assert limiter.take("10.0.0.1") is None


def test_each_client_has_its_own_bucket() -> None:
    limiter, _ = _limiter(burst=1)
    assert limiter.take("10.0.0.1") is None
    assert limiter.take("10.0.0.1") is not None
    assert limiter.take("10.0.0.2") is None


def test_rate_zero_allows_everything_and_remembers_no_one() -> None:
    limiter, _ = _limiter(rate=0, burst=1)
    assert all(limiter.take("10.0.0.1") is None for _ in range(100))
    assert len(limiter) == 0


def test_check_without_a_client_is_never_limited() -> None:
    limiter, _ = _limiter(burst=1)
    for _ in range(5):
        limiter.check(None)
    assert len(limiter) == 0


def test_check_of_a_spent_client_raises_rate_limited_in_whole_seconds() -> None:
    limiter, _ = _limiter(rate=0.4, burst=2)
    limiter.check("10.0.0.1")
    limiter.check("10.0.0.1")
    with pytest.raises(RateLimited) as refused:
        limiter.check("10.0.0.1")
    assert (refused.value.retry_after_seconds, refused.value.limit) == (3, 2)  # 2.5 s, rounded up


def test_retry_after_is_at_least_one_second() -> None:
    limiter, _ = _limiter(rate=1000.0, burst=1)
    limiter.check("10.0.0.1")
    with pytest.raises(RateLimited) as refused:
        limiter.check("10.0.0.1")
    assert refused.value.retry_after_seconds == 1


def test_the_least_recently_seen_client_is_forgotten_first() -> None:
    limiter, _ = _limiter(burst=1, max_clients=2)
    limiter.take("a")
    limiter.take("b")
    limiter.take("a")  # a is seen again: b is now the oldest
    limiter.take("c")
    assert len(limiter) == 2
    assert limiter.take("a") is not None  # still remembered, still spent
    assert limiter.take("b") is None  # forgotten: a full bucket again


def test_concurrent_takes_of_one_client_never_exceed_its_burst() -> None:
    limiter, _ = _limiter(rate=0.001, burst=50)
    start = threading.Barrier(8)

    def hammer(_: int) -> int:
        start.wait()
        return sum(limiter.take("10.0.0.1") is None for _ in range(100))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(hammer, range(8))) == 50


@pytest.mark.parametrize(
    ("rate", "burst", "clients"),
    [(-1.0, 1, 1), (float("inf"), 1, 1), (float("nan"), 1, 1), (1.0, 0, 1), (1.0, 1, 0)],
)
def test_nonsense_settings_are_refused(rate: float, burst: int, clients: int) -> None:
    with pytest.raises(ValueError):
        RenderLimiter(rate, burst, max_clients=clients)


# --- properties -----------------------------------------------------------------------------

rates = st.floats(min_value=0.01, max_value=100.0)
bursts = st.integers(min_value=1, max_value=30)
gaps = st.lists(st.floats(min_value=0.0, max_value=5.0), min_size=1, max_size=80)


@given(rate=rates, burst=bursts, gaps=gaps)
def test_no_window_of_t_seconds_allows_more_than_burst_plus_rate_times_t(
    rate: float, burst: int, gaps: list[float]
) -> None:
    limiter, clock = _limiter(rate=rate, burst=burst)
    allowed_at: list[float] = []
    for gap in gaps:
        clock.advance(gap)
        if limiter.take("10.0.0.1") is None:
            allowed_at.append(clock.now)
    for first in range(len(allowed_at)):
        for last in range(first, len(allowed_at)):
            window = allowed_at[last] - allowed_at[first]
            assert last - first + 1 <= burst + rate * window + EPSILON


@given(rate=rates, burst=bursts, gaps=gaps)
def test_a_refusal_names_a_positive_wait_after_which_a_token_is_there(
    rate: float, burst: int, gaps: list[float]
) -> None:
    limiter, clock = _limiter(rate=rate, burst=burst)
    for gap in gaps:
        clock.advance(gap)
        wait = limiter.take("10.0.0.1")
        if wait is not None:
            assert wait > 0
            clock.advance(wait * (1 + EPSILON) + EPSILON)
            assert limiter.take("10.0.0.1") is None


@given(
    max_clients=st.integers(min_value=1, max_value=20),
    seen=st.lists(st.sampled_from([f"10.0.0.{n}" for n in range(40)]), max_size=200),
)
def test_memory_never_holds_more_than_max_clients_and_keeps_the_latest(
    max_clients: int, seen: list[str]
) -> None:
    limiter, _ = _limiter(rate=1.0, burst=1, max_clients=max_clients)
    for client in seen:
        limiter.take(client)
        assert len(limiter) <= max_clients
    latest = list(dict.fromkeys(reversed(seen)))[:max_clients]
    for client in latest:  # still remembered: spent (its one token was taken)
        assert limiter.take(client) is not None


def test_waiting_names_the_wait_of_a_spent_client_without_taking_a_token() -> None:
    limiter, clock = _limiter(rate=2.0, burst=1)
    assert limiter.take("a") is None
    assert limiter.waiting("a") == 0.5
    clock.advance(0.25)
    assert abs((limiter.waiting("a") or 0) - 0.25) < EPSILON
    clock.advance(0.25)
    assert limiter.waiting("a") is None
    assert limiter.take("a") is None  # the token waiting() saw was not taken


def test_waiting_of_an_unknown_client_or_when_unlimited_is_none() -> None:
    limiter, _clock = _limiter()
    assert limiter.waiting("never-seen") is None
    unlimited, _clock = _limiter(rate=0.0)
    assert unlimited.waiting("a") is None
