"""Counts of the hot path reach their Prometheus series when flushed, not before."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from darkroom.core import tallies
from darkroom.core.tallies import Tally


def _counter() -> Counter:
    return Counter("tally_test_total", "A counter for this test.", registry=CollectorRegistry())


def test_a_tally_adds_its_counts_to_the_series_on_flush() -> None:
    counter = _counter()
    tally = Tally(counter)
    tally.inc()
    tally.inc(41)
    tallies.flush()
    assert counter._value.get() == 42


def test_a_flushed_tally_starts_again_from_zero() -> None:
    counter = _counter()
    tally = Tally(counter)
    tally.inc(5)
    tally.flush()
    tally.flush()
    assert counter._value.get() == 5
