"""Counts of the hot path, kept in plain numbers and added to their Prometheus series about
once a second.

With several workers every Prometheus increment writes to the worker's shared metrics file
(``core/metrics.py``), about 3 µs each; a cached image answered from memory counts six things
(request, bytes, memory hit, resolution hit...), which was a fifth of its cost. A ``Tally`` adds
to a number under a lock instead, and ``flush`` hands the sums to the real series: every second
from a background thread (started on first use), before each exposition, and when a worker
stops. So a scrape sees the hot path's counts at most a second late.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from typing import Any, Protocol

FLUSH_EVERY_S = 1.0


class Incrementable(Protocol):
    def inc(self, amount: float = 1) -> None: ...


class Tally:
    """Increments of ``series`` (counter or gauge children), added to each on ``flush``: one
    tally for several series that always move together costs one addition."""

    def __init__(self, *series: Incrementable) -> None:
        self.series = series
        self._pending = 0.0
        self._lock = threading.Lock()
        with _registry_lock:
            _tallies.append(self)

    def inc(self, amount: float = 1) -> None:
        if not _flusher.started:
            _flusher.start()
        with self._lock:
            self._pending += amount

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, 0.0
        if pending:
            for series in self.series:
                series.inc(pending)


class HistogramTally:
    """Observations of ``series`` (a Histogram child), added to it on ``flush``: each observation
    is one count in memory instead of two writes to the shared metrics file (about 4 µs).

    ``flush`` adds to the child's bucket and sum values as its own ``observe`` does (one value
    per bucket, the first bound not below the observation; the exposition makes them cumulative).
    """

    def __init__(self, series: Any) -> None:
        self.series = series
        self._bounds: list[float] = list(series._upper_bounds)
        self._counts = [0] * len(self._bounds)
        self._sum = 0.0
        self._lock = threading.Lock()
        with _registry_lock:
            _tallies.append(self)

    def observe(self, amount: float) -> None:
        if not _flusher.started:
            _flusher.start()
        index = bisect_left(self._bounds, amount)  # the last bound is +Inf: always found
        with self._lock:
            self._counts[index] += 1
            self._sum += amount

    def flush(self) -> None:
        with self._lock:
            counts, self._counts = self._counts, [0] * len(self._bounds)
            total, self._sum = self._sum, 0.0
        if any(counts):
            _observed(self.series, counts, total)


def _observed(histogram: Any, counts: list[int], total: float) -> None:
    """Add ``counts`` (per bucket) and their ``total`` to a Histogram child, as its own
    ``observe`` does (one value per bucket; the exposition makes them cumulative)."""
    for bucket, count in zip(histogram._buckets, counts, strict=True):
        if count:
            bucket.inc(count)
    histogram._sum.inc(total)


class RequestTally:
    """What is recorded of each request of one kind, under one lock: one for each of
    ``counted``, its duration in ``histogram`` (as ``HistogramTally`` does) and its response
    bytes in ``bytes_out``. The hot path records every request this way: one call, not three."""

    def __init__(
        self, histogram: Any, *, counted: tuple[Incrementable, ...], bytes_out: Incrementable
    ) -> None:
        self.histogram = histogram
        self.counted = counted
        self.bytes_out = bytes_out
        self._bounds: list[float] = list(histogram._upper_bounds)
        self._counts = [0] * len(self._bounds)
        self._seconds = 0.0
        self._bytes = 0
        self._lock = threading.Lock()
        with _registry_lock:
            _tallies.append(self)

    def add(self, seconds: float, bytes_out: int) -> None:
        if not _flusher.started:
            _flusher.start()
        index = bisect_left(self._bounds, seconds)  # the last bound is +Inf: always found
        with self._lock:
            self._counts[index] += 1
            self._seconds += seconds
            self._bytes += bytes_out

    def flush(self) -> None:
        with self._lock:
            counts, self._counts = self._counts, [0] * len(self._bounds)
            seconds, self._seconds = self._seconds, 0.0
            sent, self._bytes = self._bytes, 0
        requests = sum(counts)
        if requests:
            _observed(self.histogram, counts, seconds)
            for series in self.counted:
                series.inc(requests)
        if sent:
            self.bytes_out.inc(sent)


_tallies: list[Tally | HistogramTally | RequestTally] = []
_registry_lock = threading.Lock()


def flush() -> None:
    """Add every tally's pending count to its series now."""
    with _registry_lock:
        tallies = list(_tallies)
    for tally in tallies:
        tally.flush()


class _Flusher:
    def __init__(self) -> None:
        self.started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self.started:
                return
            self.started = True
            threading.Thread(target=self._run, name="darkroom-tallies", daemon=True).start()

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(FLUSH_EVERY_S):
            flush()


_flusher = _Flusher()
