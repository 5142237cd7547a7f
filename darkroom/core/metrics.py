"""Every metric darkroom keeps, in one place, and their Prometheus text exposition.

Core counts its own work here (renders, CPU slots, the variant cache and its evictions, ingests
and refused inputs, the database pool); ``api/common/observe.py`` counts requests and
``api/common/rate_limits.py`` refusals; ``api/metrics.py`` serves ``exposition()`` at
``/metrics``. Nothing here knows HTTP. Label values are bounded and carry no
tenant data: door names, route templates, methods, status codes, formats, error class names.

Several worker processes (``uvicorn --workers``, gunicorn) share their numbers through the folder
named by ``PROMETHEUS_MULTIPROC_DIR``, which must be set before the first worker starts and be
emptied before each start of the server: each process writes its own files there, and
``exposition()`` sums them, whichever worker answers the scrape. Gauges of a process count only
while it lives (``livesum``); ``process_stopped`` drops them when a worker shuts down.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from sqlalchemy import Engine, event

from darkroom.core import tallies
from darkroom.errors import Conflict, DarkroomError, Invalid, TooLarge, Unsupported

MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series: noise here

if _multiproc_dir := os.environ.get(MULTIPROC_DIR_ENV):
    # prometheus-client opens its files there as the metrics below are made.
    Path(_multiproc_dir).mkdir(parents=True, exist_ok=True)

# Seconds. Requests and renders run from milliseconds (a cached variant) to tens of seconds (a
# 16 MB upload decoded whole); waits for a CPU slot are zero until the slots are all busy.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# --- requests (counted by api/common/observe.py) ---------------------------------------------

HTTP_REQUESTS = Counter(
    "darkroom_http_requests_total",
    "Requests answered, by door, operation (route template), method and status.",
    ["door", "operation", "method", "status"],
)
HTTP_DURATION = Histogram(
    "darkroom_http_request_duration_seconds",
    "Time from a request's arrival to the last byte of its answer.",
    ["door", "operation", "method"],
    buckets=LATENCY_BUCKETS,
)
HTTP_REQUEST_BYTES = Counter(
    "darkroom_http_request_bytes_total",
    "Request body bytes received.",
    ["door", "operation"],
)
HTTP_RESPONSE_BYTES = Counter(
    "darkroom_http_response_bytes_total",
    "Response body bytes sent.",
    ["door", "operation"],
)
WORKER_REQUESTS = Gauge(
    "darkroom_worker_requests",
    "Requests answered by this worker process since it started. With several workers "
    "(`darkroom serve --workers`) one series per live worker, labelled with its pid: how evenly "
    "they share the load.",
    multiprocess_mode="liveall",
)
RATE_LIMITED = Counter(
    "darkroom_rate_limited_requests_total",
    "Requests refused with 429, by door: renders asked for by a client without credentials "
    "faster than DARKROOM_RENDER_RATE (after a burst of DARKROOM_RENDER_BURST).",
    ["door"],
)

# --- rendering --------------------------------------------------------------------------------

RENDERS = Counter(
    "darkroom_renders_total",
    "Variants rendered, by outcome (ok, error).",
    ["outcome"],
)
RENDER_DURATION = Histogram(
    "darkroom_render_duration_seconds",
    "Time to decode, resize and encode one variant, once it holds a CPU slot.",
    buckets=LATENCY_BUCKETS,
)
CPU_SLOT_WAIT = Histogram(
    "darkroom_cpu_slot_wait_seconds",
    "Time spent queued for a CPU slot (DARKROOM_RENDER_CONCURRENCY), by work (render, ingest).",
    ["work"],
    buckets=WAIT_BUCKETS,
)
CPU_SLOTS_IN_USE = Gauge(
    "darkroom_cpu_slots_in_use",
    "CPU slots held right now.",
    multiprocess_mode="livesum",
)
CPU_SLOT_WAITING = Gauge(
    "darkroom_cpu_slot_waiting",
    "Decodes and encodes queued for a CPU slot right now.",
    multiprocess_mode="livesum",
)
VARIANT_LOOKUPS = Counter(
    "darkroom_variant_cache_lookups_total",
    "Variant lookups, by result: hit (stored before), miss (rendered now), coalesced (made by "
    "a concurrent request for the same variant while this one waited).",
    ["result"],
)
MEMORY_LOOKUPS = Counter(
    "darkroom_memory_cache_lookups_total",
    "Lookups of image bytes kept in memory (DARKROOM_MEMORY_CACHE_BYTES), by result (hit, miss).",
    ["result"],
)
MEMORY_BYTES = Gauge(
    "darkroom_memory_cache_bytes",
    "Image bytes kept in memory, summed over worker processes.",
    multiprocess_mode="livesum",
)
RESOLUTION_LOOKUPS = Counter(
    "darkroom_resolution_cache_lookups_total",
    "Lookups of what a capability resolves to, by result: hit (from memory, no database "
    "access), miss (looked up in the database).",
    ["result"],
)
VARIANT_EVICTIONS = Counter(
    "darkroom_variant_cache_evictions_total",
    "Stored variants evicted (least recently used first) to keep within "
    "DARKROOM_VARIANT_CACHE_BYTES.",
)
VARIANT_EVICTED_BYTES = Counter(
    "darkroom_variant_cache_evicted_bytes_total",
    "Bytes of the stored variants evicted.",
)
VARIANT_CACHE_BYTES = Gauge(
    "darkroom_variant_cache_bytes",
    "Bytes of stored variants, all instances together: the last sum of the variants table plus "
    "what this process stored since (the newest report of any live worker).",
    multiprocess_mode="livemostrecent",
)
IMAGE_BYTES_SENT = Counter(
    "darkroom_image_bytes_sent_total",
    "Image bytes streamed to clients, by rendition (original, variant).",
    ["rendition"],
)

# --- ingest -----------------------------------------------------------------------------------

UPLOADS = Counter(
    "darkroom_uploads_total",
    "Uploads accepted, by blob: new (bytes stored) or known (identical bytes already stored).",
    ["blob"],
)
INGESTED_BYTES = Counter(
    "darkroom_ingested_bytes_total",
    "Bytes of accepted uploads.",
)
REJECTED_INPUTS = Counter(
    "darkroom_rejected_inputs_total",
    "Uploads refused, by reason: the domain error's class (TooLarge, Unsupported, Invalid, "
    "Duplicate, LimitExceeded, ...).",
    ["reason"],
)

# --- database and readiness -------------------------------------------------------------------

DB_POOL_CHECKED_OUT = Gauge(
    "darkroom_db_pool_checked_out",
    "Database connections checked out of the pool right now.",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "darkroom_db_pool_size",
    "Connections the database pool keeps open.",
    multiprocess_mode="livesum",
)
DB_POOL_CAPACITY = Gauge(
    "darkroom_db_pool_capacity",
    "Connections the pool hands out before callers wait: its size plus its overflow.",
    multiprocess_mode="livesum",
)
READINESS_PROBES = Counter(
    "darkroom_readiness_probes_total",
    "Readiness probes run (not answered from the cache), by check and result (ok, error).",
    ["check", "result"],
)

# The errors that mean "this input is refused", as opposed to "not found" or an outage.
INPUT_ERRORS = (Invalid, TooLarge, Unsupported, Conflict)

P = ParamSpec("P")
T = TypeVar("T")


def counts_rejections(func: Callable[P, T]) -> Callable[P, T]:
    """Count the input errors ``func`` raises in ``darkroom_rejected_inputs_total``, once each,
    however many decorated functions they pass through."""

    @wraps(func)
    def counted(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return func(*args, **kwargs)
        except INPUT_ERRORS as error:
            _count_rejection(error)
            raise

    return counted


def _count_rejection(error: DarkroomError) -> None:
    if not getattr(error, "_darkroom_counted", False):
        error._darkroom_counted = True  # type: ignore[attr-defined]
        REJECTED_INPUTS.labels(type(error).__name__).inc()


def ingested(*, new_blob: bool, size: int) -> None:
    UPLOADS.labels("new" if new_blob else "known").inc()
    INGESTED_BYTES.inc(size)


@contextmanager
def queued_for_cpu(work: str) -> Iterator[None]:
    """Time the block, which waits for a CPU slot, and count it as waiting meanwhile."""
    CPU_SLOT_WAITING.inc()
    queued = time.perf_counter()
    try:
        yield
    finally:
        CPU_SLOT_WAITING.dec()
        CPU_SLOT_WAIT.labels(work).observe(time.perf_counter() - queued)


@contextmanager
def rendering() -> Iterator[None]:
    """Time one render and count it by outcome."""
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        RENDERS.labels("error").inc()
        raise
    finally:
        RENDER_DURATION.observe(time.perf_counter() - started)
    RENDERS.labels("ok").inc()


class PoolWatch:
    """Keeps the ``darkroom_db_pool_*`` gauges for one engine's pool, from its checkout and
    checkin events, until ``close``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        pool = engine.pool
        size_of = getattr(pool, "size", None)  # QueuePool's; other pools keep no fixed size
        size = int(size_of()) if callable(size_of) else 0
        overflow = max(getattr(pool, "_max_overflow", 0), 0)
        self.size, self.capacity = size, size + overflow
        self.checked_out = 0
        DB_POOL_SIZE.inc(self.size)
        DB_POOL_CAPACITY.inc(self.capacity)
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "checkin", self._checkin)

    def _checkout(self, *_args: Any) -> None:
        self.checked_out += 1
        DB_POOL_CHECKED_OUT.inc()

    def _checkin(self, *_args: Any) -> None:
        self.checked_out -= 1
        DB_POOL_CHECKED_OUT.dec()

    def close(self) -> None:
        event.remove(self.engine, "checkout", self._checkout)
        event.remove(self.engine, "checkin", self._checkin)
        DB_POOL_CHECKED_OUT.dec(self.checked_out)
        DB_POOL_SIZE.dec(self.size)
        DB_POOL_CAPACITY.dec(self.capacity)
        self.checked_out = self.size = self.capacity = 0


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_DIR_ENV) or None


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type: this process's, or every
    worker's summed when ``PROMETHEUS_MULTIPROC_DIR`` is set (other workers' tallies of the hot
    path are at most a second late: ``core/tallies.py``)."""
    tallies.flush()
    path = multiprocess_dir()
    if path is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def process_stopped() -> None:
    """A worker is shutting down: its live gauges stop counting (its counters stay summed)."""
    tallies.flush()
    path = multiprocess_dir()
    if path is not None:
        multiprocess.mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]
