"""What a blob's stored variants were at the last reading: the memory that lets a flood of new
sizes be refused without asking the database, on an injected clock (no sleeping)."""

from __future__ import annotations

from darkroom.core.stored_specs import StoredSpecs
from tests.core.test_ratelimit import ManualClock

SHA = "a" * 64


def _specs(fresh_seconds: float = 2.0) -> tuple[StoredSpecs, ManualClock]:
    clock = ManualClock()
    return StoredSpecs(fresh_seconds, clock=clock), clock


def test_a_blob_never_read_is_not_known_to_lack_anything() -> None:
    specs, _clock = _specs()
    assert not specs.surely_absent(SHA, "w100")


def test_a_spec_missing_at_a_fresh_reading_is_surely_absent() -> None:
    specs, clock = _specs()
    specs.remember(SHA, ["w10", "w11"])
    clock.advance(2.0)
    assert specs.surely_absent(SHA, "w12")


def test_a_spec_stored_at_the_reading_is_not_absent() -> None:
    specs, _clock = _specs()
    specs.remember(SHA, ["w10"])
    assert not specs.surely_absent(SHA, "w10")


def test_a_reading_older_than_the_bound_says_nothing() -> None:
    specs, clock = _specs()
    specs.remember(SHA, [])
    clock.advance(2.01)
    assert not specs.surely_absent(SHA, "w12")


def test_a_spec_stored_here_after_the_reading_is_not_absent() -> None:
    specs, _clock = _specs()
    specs.remember(SHA, [])
    specs.add(SHA, "w12")
    assert not specs.surely_absent(SHA, "w12")


def test_a_spec_of_another_blob_says_nothing_of_this_one() -> None:
    specs, _clock = _specs()
    specs.remember("b" * 64, [])
    assert not specs.surely_absent(SHA, "w12")


def test_the_least_recently_used_blob_is_forgotten_past_the_bound() -> None:
    clock = ManualClock()
    specs = StoredSpecs(2.0, max_blobs=1, clock=clock)
    specs.remember(SHA, [])
    specs.remember("b" * 64, [])
    assert not specs.surely_absent(SHA, "w12")
    assert specs.surely_absent("b" * 64, "w12")
