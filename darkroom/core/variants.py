"""Renditions of stored images: computed once (even under concurrent requests), cached in storage,
named by a strong ETag.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from darkroom.core import metrics
from darkroom.core.blobs import blob_key
from darkroom.core.runtime import Runtime
from darkroom.db.models import Variant
from darkroom.media import MEZZANINE_SIDE, Fit, ImageFormat, RenderSpec, render


class StoredBlob(Protocol):
    """What rendering needs to know of a blob: a ``BlobRecord`` (or, inside core, its row)."""

    @property
    def sha256(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def byte_size(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def mezzanine_key(self) -> str | None: ...


@dataclass(frozen=True)
class Delivery:
    """Where the bytes to send live, and what to say about them."""

    storage_key: str
    etag: str
    format: ImageFormat
    byte_size: int
    width: int
    height: int
    rendition: str = "original"  # or "variant": how the bytes sent are counted


def original(blob: StoredBlob) -> Delivery:
    """The uploaded bytes as they are."""
    return Delivery(
        storage_key=blob_key(blob.sha256),
        etag=f'"{blob.sha256[:40]}"',
        format=ImageFormat(blob.format),
        byte_size=int(blob.byte_size),
        width=blob.width,
        height=blob.height,
    )


def variant(
    rt: Runtime, blob: StoredBlob, spec: RenderSpec, *, client: str | None = None
) -> Delivery:
    """``blob`` rendered to ``spec``, from the cache when it was made before.

    ``client`` (an anonymous caller's address; None: not limited) pays for a render with a
    token of its allowance, ``RateLimited`` when it has none; a cache hit costs nothing.
    """
    cached = _cached(rt, blob.sha256, spec.key)
    if cached is not None:
        metrics.VARIANT_LOOKUPS.labels("hit").inc()
        return cached
    rt.render_limiter.check(client)  # rate limit: only a miss, before the single flight
    return rt.flights.run(f"{blob.sha256}/{spec.key}", lambda: _render_once(rt, blob, spec))


def _render_once(rt: Runtime, blob: StoredBlob, spec: RenderSpec) -> Delivery:
    cached = _cached(rt, blob.sha256, spec.key)  # a caller before us may have just made it
    if cached is not None:
        metrics.VARIANT_LOOKUPS.labels("coalesced").inc()
        return cached
    metrics.VARIANT_LOOKUPS.labels("miss").inc()
    source_key = _source_key(blob, spec)
    with rt.store.open(source_key) as handle:
        data = handle.read()
    with rt.cpu_slot("render"), metrics.rendering():
        rendered = render(data, spec)
    key = f"variants/{blob.sha256[:2]}/{blob.sha256}/{spec.key}"
    rt.store.put(key, io.BytesIO(rendered.data))
    row = Variant(
        blob_sha256=blob.sha256,
        spec_key=spec.key,
        storage_key=key,
        format=rendered.format.value,
        width=rendered.width,
        height=rendered.height,
        byte_size=len(rendered.data),
    )
    try:
        with rt.transaction() as session:
            session.add(row)
    except IntegrityError:
        pass  # another instance stored the same rendition first; its row names the same key
    else:
        rt.evictor.note_stored(row.byte_size)  # variant cache budget: may start an eviction
    return _delivery(row, blob.sha256)


def _cached(rt: Runtime, sha256: str, spec_key: str) -> Delivery | None:
    with rt.reading() as session:
        row = session.scalar(
            select(Variant).where(Variant.blob_sha256 == sha256, Variant.spec_key == spec_key)
        )
    if row is None or not rt.store.exists(row.storage_key):
        return None  # never made, or evicted (row or object gone): rendered again
    rt.evictor.note_use(row.id)  # variant cache LRU: noted in memory, written in batches
    return _delivery(row, sha256)


def _delivery(row: Variant, sha256: str) -> Delivery:
    etag = hashlib.sha256(f"{sha256}:{row.spec_key}".encode()).hexdigest()[:40]
    return Delivery(
        storage_key=row.storage_key,
        etag=f'"{etag}"',
        format=ImageFormat(row.format),
        byte_size=row.byte_size,
        width=row.width,
        height=row.height,
        rendition="variant",
    )


def _source_key(blob: StoredBlob, spec: RenderSpec) -> str:
    """The mezzanine when it holds enough pixels for ``spec``, else the original."""
    if blob.mezzanine_key is None:
        return blob_key(blob.sha256)
    mezzanine_scale = min(1.0, MEZZANINE_SIDE / max(blob.width, blob.height))
    if _needed_scale(blob.width, blob.height, spec) <= mezzanine_scale:
        return blob.mezzanine_key
    return blob_key(blob.sha256)


def _needed_scale(width: int, height: int, spec: RenderSpec) -> float:
    scales = [s for s in (spec.width / width, spec.height / height) if s > 0]
    if not scales:
        return 1.0  # original size
    needed = max(scales) if spec.fit is Fit.COVER and len(scales) == 2 else min(scales)
    return needed if spec.upscale else min(needed, 1.0)
