"""The variant cache's byte budget: least recently used variants evicted, rows first, then their
stored objects; originals and mezzanines never; uses written in batches; one evictor at a time.

Most tests replace the runtime's evictor by one that evicts in the calling thread
(``background=False``), so what a pass did is known when the call returns.
"""

from __future__ import annotations

import io
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select, update

from darkroom.api import vocabulary
from darkroom.clock import utcnow
from darkroom.config import Settings
from darkroom.core import albums, eviction, images, joblocks, variants
from darkroom.core.access import Scope
from darkroom.core.blobs import blob_key
from darkroom.core.eviction import EvictionReport, Evictor
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.core.variants import Delivery
from darkroom.db.models import Blob, Variant
from darkroom.media import RenderSpec
from tests import images as samples
from tests.conftest import record_writes


def _blob(runtime: Runtime, scope: Scope, data: bytes) -> Blob:
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.MOOV_IMAGES)
    image = images.ingest(runtime, scope, album, io.BytesIO(data), NewImage())
    with runtime.transaction() as session:
        return session.get_one(Blob, image.blob_sha256)


def _inline(runtime: Runtime, budget: int) -> Evictor:
    runtime.evictor.close()  # the one open_runtime made (and its thread, if it started one)
    runtime.evictor = Evictor(runtime, budget, background=False)
    return runtime.evictor


def _stored_total(runtime: Runtime) -> int:
    with runtime.reading() as session:
        return int(session.scalar(select(func.coalesce(func.sum(Variant.byte_size), 0))) or 0)


def _variant_keys(runtime: Runtime) -> set[str]:
    with runtime.reading() as session:
        return set(session.scalars(select(Variant.storage_key)))


def _render(runtime: Runtime, blob: Blob, side: int) -> Delivery:
    return variants.variant(runtime, blob, RenderSpec(side, side))


@pytest.fixture
def blob(runtime: Runtime, scope: Scope) -> Blob:
    return _blob(runtime, scope, samples.jpeg(400, 300, seed=3))


def test_many_renders_keep_stored_variants_within_the_budget(runtime: Runtime, blob: Blob) -> None:
    budget = 3 * _render(runtime, blob, 60).byte_size
    _inline(runtime, budget)
    for side in range(61, 81):
        _render(runtime, blob, side)
        assert _stored_total(runtime) <= budget
    stored = set(runtime.store.keys("variants/"))
    assert stored == _variant_keys(runtime)  # every evicted row's object is gone too
    assert 0 < len(stored) < 21


def test_an_eviction_pass_stops_at_the_low_water_mark(runtime: Runtime, blob: Blob) -> None:
    sizes = [_render(runtime, blob, side).byte_size for side in range(40, 60)]
    budget = sum(sizes) - 1
    report = _inline(runtime, budget).evict()
    assert report.stored_bytes == _stored_total(runtime)
    target = int(budget * eviction.LOW_WATER)
    assert target - max(sizes) < _stored_total(runtime) <= target
    assert report.freed_bytes == sum(sizes) - _stored_total(runtime)


def test_the_most_recently_used_variant_outlives_older_ones(runtime: Runtime, blob: Blob) -> None:
    first, second, third = (_render(runtime, blob, side) for side in (50, 51, 52))
    evictor = _inline(runtime, first.byte_size + second.byte_size + third.byte_size)
    assert _render(runtime, blob, 50) == first  # a hit: the oldest is now the newest used
    _render(runtime, blob, 53)  # over the budget: evicts from the least recently used
    kept = _variant_keys(runtime)
    assert first.storage_key in kept
    assert second.storage_key not in kept
    assert not runtime.store.exists(second.storage_key)
    assert evictor.budget >= _stored_total(runtime)


def test_originals_and_mezzanines_are_never_evicted(runtime: Runtime, scope: Scope) -> None:
    wide = _blob(runtime, scope, samples.jpeg(3000, 200, seed=5))  # gets a mezzanine
    assert wide.mezzanine_key is not None
    for side in (100, 200, 2500):  # from the mezzanine and from the original
        _render(runtime, wide, side)
    report = _inline(runtime, 1).evict()
    assert report.evicted == 4  # the three, and the small rendition the small two were cut from
    assert _variant_keys(runtime) == set()
    assert set(runtime.store.keys("variants/")) == set()
    assert runtime.store.exists(blob_key(wide.sha256))
    assert runtime.store.exists(wide.mezzanine_key)


def test_a_budget_of_zero_never_evicts(runtime: Runtime, blob: Blob) -> None:
    for side in (30, 31, 32):
        _render(runtime, blob, side)
    assert _inline(runtime, 0).evict() == EvictionReport(stored_bytes=_stored_total(runtime))
    assert len(_variant_keys(runtime)) == 3


def test_an_evicted_variant_is_rendered_again_with_the_same_etag(
    runtime: Runtime, blob: Blob
) -> None:
    before = _render(runtime, blob, 70)
    evictor = _inline(runtime, 1)
    evictor.evict()
    assert not runtime.store.exists(before.storage_key)
    evictor.budget = 0  # so the new copy is kept
    again = _render(runtime, blob, 70)
    assert (again.etag, again.storage_key) == (before.etag, before.storage_key)
    assert runtime.store.exists(again.storage_key)


def test_cache_hits_write_nothing_until_their_uses_are_flushed(
    runtime: Runtime, blob: Blob, monkeypatch: pytest.MonkeyPatch
) -> None:
    evictor = _inline(runtime, 0)
    made = _render(runtime, blob, 80)
    long_ago = utcnow() - timedelta(days=30)
    with runtime.transaction() as session:
        session.execute(update(Variant).values(last_used_at=long_ago))
    writes = record_writes(runtime, monkeypatch)
    for _ in range(5):
        assert _render(runtime, blob, 80) == made
    assert writes == []
    assert evictor.flush() == 1
    assert writes == ["write"]
    with runtime.reading() as session:
        used = session.scalar(select(Variant.last_used_at))
    assert used is not None and used > long_ago + timedelta(days=29)


def test_closing_the_runtime_writes_the_uses_noted_since_the_last_flush(
    settings: Settings, scope: Scope
) -> None:
    rt = open_runtime(settings)
    try:
        blob = _blob(rt, scope, samples.jpeg(200, 100, seed=9))
        _render(rt, blob, 40)
        long_ago = utcnow() - timedelta(days=30)
        with rt.transaction() as session:
            session.execute(update(Variant).values(last_used_at=long_ago))
        _render(rt, blob, 40)  # a hit, noted in memory
    finally:
        rt.close()
    reopened = open_runtime(settings)
    try:
        with reopened.reading() as session:
            used = session.scalar(select(Variant.last_used_at))
    finally:
        reopened.close()
    assert used is not None and used > long_ago + timedelta(days=29)


def test_eviction_while_another_instance_evicts_is_skipped(runtime: Runtime, blob: Blob) -> None:
    for side in (20, 21, 22):
        _render(runtime, blob, side)
    other = joblocks.acquire(runtime, eviction.LOCK_NAME)
    assert other is not None
    assert _inline(runtime, 1).evict() == EvictionReport(skipped=True)
    assert len(_variant_keys(runtime)) == 3
    joblocks.release(runtime, eviction.LOCK_NAME, other)
    assert _inline(runtime, 1).evict().evicted == 3


def test_two_instances_evicting_at_once_evict_once(
    runtime: Runtime, settings: Settings, blob: Blob
) -> None:
    sizes = [_render(runtime, blob, side).byte_size for side in range(30, 50)]
    budget = sum(sizes) // 2
    second = open_runtime(settings)  # another instance on the same database and store
    try:
        evictors = [_inline(runtime, budget), _inline(second, budget)]
        start = threading.Barrier(2)

        def evict(evictor: Evictor) -> EvictionReport:
            start.wait()
            return evictor.evict()

        with ThreadPoolExecutor(max_workers=2) as pool:
            reports = list(pool.map(evict, evictors))
    finally:
        second.close()
    left = _stored_total(runtime)
    assert sum(report.evicted for report in reports) == len(sizes) - len(_variant_keys(runtime))
    assert [report.evicted > 0 for report in reports].count(True) == 1  # the other skipped or
    target = int(budget * eviction.LOW_WATER)  # found the total under the budget already
    assert target - max(sizes) < left <= target


def test_evictions_are_counted_with_their_bytes_and_the_stored_total_is_a_gauge(
    runtime: Runtime, blob: Blob
) -> None:
    sizes = [_render(runtime, blob, side).byte_size for side in (90, 91, 92)]
    before = _sample("darkroom_variant_cache_evictions_total")
    freed_before = _sample("darkroom_variant_cache_evicted_bytes_total")
    budget = math.ceil(sizes[2] / eviction.LOW_WATER) + 1  # the newest fits under low water
    report = _inline(runtime, budget).evict()
    assert _sample("darkroom_variant_cache_evictions_total") - before == report.evicted == 2
    freed = _sample("darkroom_variant_cache_evicted_bytes_total") - freed_before
    assert freed == report.freed_bytes == sizes[0] + sizes[1]
    assert _sample("darkroom_variant_cache_bytes") == _stored_total(runtime) == sizes[2]


def _sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_the_background_evictor_brings_the_cache_back_within_budget(
    runtime: Runtime, blob: Blob
) -> None:
    budget = 2 * _render(runtime, blob, 100).byte_size
    runtime.evictor.budget = budget  # the runtime's own evictor, with its thread
    for side in range(101, 108):
        _render(runtime, blob, side)  # each store over the budget wakes the thread
    deadline = time.monotonic() + 30
    while _stored_total(runtime) > budget and time.monotonic() < deadline:
        time.sleep(0.05)  # waits for the thread, asserts nothing about how long it took
    assert _stored_total(runtime) <= budget
