"""Counts of the hot path reach their Prometheus series when flushed, not before."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from darkroom.core import tallies
from darkroom.core.tallies import HistogramTally, RequestTally, Tally


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


def _histogram(name: str) -> Histogram:
    registry = CollectorRegistry()
    return Histogram(name, "A histogram for this test.", buckets=(0.01, 0.1, 1), registry=registry)


def _exposed(histogram: Histogram) -> dict[str, float]:
    [family] = list(histogram.collect())
    return {
        f"{sample.name}{sample.labels.get('le', '')}": sample.value
        for sample in family.samples
        if not sample.name.endswith("_created")
    }


def test_a_histogram_tally_exposes_what_observing_directly_would() -> None:
    direct, tallied = _histogram("direct_seconds"), _histogram("tallied_seconds")
    tally = HistogramTally(tallied)
    for seconds in (0.005, 0.01, 0.05, 0.5, 3.0):
        direct.observe(seconds)
        tally.observe(seconds)
    tallies.flush()
    renamed = {key.replace("direct", "tallied"): value for key, value in _exposed(direct).items()}
    assert _exposed(tallied) == renamed
    assert _exposed(tallied)["tallied_seconds_bucket0.01"] == 2  # a bound holds what equals it


def test_a_histogram_tally_shows_nothing_before_its_flush() -> None:
    histogram = _histogram("pending_seconds")
    HistogramTally(histogram).observe(0.5)
    assert _exposed(histogram)["pending_seconds_count"] == 0


def test_a_tally_of_several_series_adds_to_each() -> None:
    first, second = _counter(), _counter()
    Tally(first, second).inc(3)
    tallies.flush()
    assert (first._value.get(), second._value.get()) == (3, 3)


def test_a_request_tally_counts_times_and_bytes_as_direct_recording_would() -> None:
    direct, tallied = _histogram("direct_request_seconds"), _histogram("tallied_request_seconds")
    requests, worker, sent = _counter(), _counter(), _counter()
    tally = RequestTally(tallied, counted=(requests, worker), bytes_out=sent)
    for seconds, size in ((0.005, 100), (0.05, 0), (3.0, 2_000)):
        direct.observe(seconds)
        tally.add(seconds, size)
    assert requests._value.get() == 0  # nothing before the flush
    tallies.flush()
    renamed = {k.replace("direct", "tallied"): v for k, v in _exposed(direct).items()}
    assert _exposed(tallied) == renamed
    assert (requests._value.get(), worker._value.get(), sent._value.get()) == (3, 3, 2_100)
