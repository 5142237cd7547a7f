"""Renditions of stored images: computed once (even under concurrent requests), cached in storage,
named by a strong ETag.

A ``Plan`` names what will be sent (the stored bytes, the stored bytes without location
metadata, or a rendition to a ``RenderSpec``) and its ETag, both derived from the blob's hash and
the spec alone, so a conditional request is answered before any storage or database access.
``fetch`` then finds (or makes, once) the bytes of a plan.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Protocol, cast

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from darkroom.core import metrics
from darkroom.core.blobs import blob_key
from darkroom.core.eviction import VARIANTS_PREFIX
from darkroom.core.runtime import Runtime
from darkroom.db.models import Variant
from darkroom.errors import RateLimited
from darkroom.media import (
    MEZZANINE_QUALITY,
    MEZZANINE_SIDE,
    Fit,
    ImageFormat,
    RenderSpec,
    render,
    scrub,
)


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
    variant_id: int | None = None  # the row of a stored variant (its uses keep it cached)


@dataclass(frozen=True)
class Plan:
    """What will be sent for a blob, named before any of it is read (module docstring).

    ``spec`` None sends the stored bytes: as they are, or, with ``scrub``, without location
    metadata (a variant of its own, ``SCRUBBED``, made once).
    """

    blob: StoredBlob
    spec: RenderSpec | None
    scrub: bool
    etag: str

    @property
    def stored(self) -> bool:
        """Whether the stored original is sent as it is (no variant row involved)."""
        return self.spec is None and not self.scrub


SCRUBBED = "scrubbed"  # the spec key of an original without its location metadata

# Small variants (thumbnails, gallery sizes) are cut from a rendition of at most SMALL_SIDE px
# rather than from the 2048 px mezzanine: decoding a quarter of the pixels halves their cost.
SMALL_SIDE = 1024
SMALL_SPEC = RenderSpec(SMALL_SIDE, SMALL_SIDE, quality=MEZZANINE_QUALITY)


def original_plan(blob: StoredBlob) -> Plan:
    return Plan(blob, None, scrub=False, etag=f'"{blob.sha256[:40]}"')


def scrubbed_plan(blob: StoredBlob) -> Plan:
    return Plan(blob, None, scrub=True, etag=_variant_etag(blob.sha256, SCRUBBED))


def variant_plan(blob: StoredBlob, spec: RenderSpec) -> Plan:
    return Plan(blob, spec, scrub=False, etag=_variant_etag(blob.sha256, spec.key))


def fetch(rt: Runtime, plan: Plan, *, client: str | None = None) -> Delivery:
    """Where the bytes of ``plan`` are: the original, or its variant (made once if need be).

    ``client`` (an anonymous caller's address; None: not limited) pays for a render with a
    token of its allowance, ``RateLimited`` when it has none; a stored variant costs nothing,
    and neither does an original's scrubbed copy (one per image, cheap to make).
    """
    if plan.stored:
        return original(plan.blob)
    spec_key = plan.spec.key if plan.spec is not None else SCRUBBED
    cached = _cached(rt, plan.blob.sha256, spec_key)
    if cached is not None:
        metrics.VARIANT_LOOKUPS.labels("hit").inc()
        return cached
    if plan.spec is not None:
        try:
            rt.render_limiter.check(client)  # only a miss pays, before the single flight
        except RateLimited:
            _remember_stored_specs(rt, plan.blob.sha256)  # the next refusals: from memory
            raise
    flight = f"{plan.blob.sha256}/{spec_key}"
    return rt.flights.run(flight, lambda: _make_once(rt, plan, spec_key))


def original(blob: StoredBlob) -> Delivery:
    """The uploaded bytes as they are."""
    return Delivery(
        storage_key=blob_key(blob.sha256),
        etag=original_plan(blob).etag,
        format=ImageFormat(blob.format),
        byte_size=int(blob.byte_size),
        width=blob.width,
        height=blob.height,
    )


def variant(rt: Runtime, blob: StoredBlob, spec: RenderSpec) -> Delivery:
    """``blob`` rendered to ``spec``, from the cache when it was made before."""
    return fetch(rt, variant_plan(blob, spec))


def _make_once(rt: Runtime, plan: Plan, spec_key: str) -> Delivery:
    blob = plan.blob
    cached = _cached(rt, blob.sha256, spec_key)  # a caller before us may have just made it
    if cached is not None:
        metrics.VARIANT_LOOKUPS.labels("coalesced").inc()
        return cached
    metrics.VARIANT_LOOKUPS.labels("miss").inc()
    row = _scrub(rt, blob) if plan.spec is None else _render(rt, blob, plan.spec)
    try:
        with rt.transaction() as session:
            session.add(row)
    except IntegrityError:
        pass  # another instance stored the same rendition first; its row names the same key
    else:
        if row.storage_key.startswith(VARIANTS_PREFIX):  # not an original standing for itself
            rt.evictor.note_stored(row.byte_size)  # variant cache budget: may start an eviction
    rt.stored_specs.add(blob.sha256, spec_key)
    return _delivery(row, blob.sha256)


def _render(rt: Runtime, blob: StoredBlob, spec: RenderSpec, spec_key: str = "") -> Variant:
    """``blob`` rendered to ``spec``, stored as the variant ``spec_key`` (the spec's own key
    unless told)."""
    spec_key = spec_key or spec.key
    source = _small_source(rt, blob) if _small_will_do(blob, spec) else _source_key(blob, spec)
    with rt.store.open(source) as handle:
        data = handle.read()
    with rt.cpu_slot("render"), metrics.rendering():
        rendered = render(data, spec)
    key = _variant_key(blob.sha256, spec_key)
    rt.store.put(key, io.BytesIO(rendered.data))
    fmt, width, height = rendered.format, rendered.width, rendered.height
    return _row(blob, spec_key, key, fmt, width, height, len(rendered.data))


def _scrub(rt: Runtime, blob: StoredBlob) -> Variant:
    """The original without location metadata, pixels untouched where the format allows;
    re-encoded at its size (which drops every tag) where it does not. An original that holds no
    such metadata is its own scrubbed copy: the row names the original's key, nothing is copied."""
    original_key = blob_key(blob.sha256)
    with rt.store.open(original_key) as handle:
        data = handle.read()
    fmt = ImageFormat(blob.format)
    if not scrub.carries_location(data, fmt):
        return _row(blob, SCRUBBED, original_key, fmt, blob.width, blob.height, len(data))
    cleaned = scrub.without_location(data, fmt)
    if cleaned is None:
        whole = RenderSpec(0, 0, format=RenderSpec(0, 0).output_format(fmt))
        return _render(rt, blob, whole, SCRUBBED)
    key = _variant_key(blob.sha256, SCRUBBED)
    rt.store.put(key, io.BytesIO(cleaned))
    return _row(blob, SCRUBBED, key, fmt, blob.width, blob.height, len(cleaned))


def _row(
    blob: StoredBlob, spec_key: str, key: str, fmt: ImageFormat, width: int, height: int, size: int
) -> Variant:
    return Variant(
        blob_sha256=blob.sha256,
        spec_key=spec_key,
        storage_key=key,
        format=fmt.value,
        width=width,
        height=height,
        byte_size=size,
    )


def _variant_key(sha256: str, spec_key: str) -> str:
    return f"{VARIANTS_PREFIX}{sha256[:2]}/{sha256}/{spec_key}"


def _variant_etag(sha256: str, spec_key: str) -> str:
    return '"' + hashlib.sha256(f"{sha256}:{spec_key}".encode()).hexdigest()[:40] + '"'


class _StoredVariant(Protocol):
    """What ``_delivery`` reads of a variant: a ``Variant`` or a row of ``_STORED``."""

    id: int
    spec_key: str
    storage_key: str
    format: str
    width: int
    height: int
    byte_size: int


# Built once, with its values bound at each lookup.
_STORED = select(
    Variant.id,
    Variant.spec_key,
    Variant.storage_key,
    Variant.format,
    Variant.width,
    Variant.height,
    Variant.byte_size,
).where(Variant.blob_sha256 == bindparam("sha256"), Variant.spec_key == bindparam("spec_key"))


def _cached(rt: Runtime, sha256: str, spec_key: str) -> Delivery | None:
    # A bare connection: asked on every render and every refusal (a flood of new sizes is
    # refused only after this says none is stored), so it must cost little.
    with rt.peeking() as connection:
        found = connection.execute(_STORED, {"sha256": sha256, "spec_key": spec_key}).first()
    row = cast(_StoredVariant | None, found)
    if row is None or not rt.store.exists(row.storage_key):
        return None  # never made, or evicted (row or object gone): rendered again
    rt.evictor.note_use(row.id)  # variant cache LRU: noted in memory, written in batches
    return _delivery(row, sha256)


_STORED_SPECS = select(Variant.spec_key).where(Variant.blob_sha256 == bindparam("sha256"))


def _remember_stored_specs(rt: Runtime, sha256: str) -> None:
    with rt.peeking() as connection:
        spec_keys = connection.scalars(_STORED_SPECS, {"sha256": sha256}).all()
    rt.stored_specs.remember(sha256, spec_keys)


def _delivery(row: _StoredVariant, sha256: str) -> Delivery:
    return Delivery(
        storage_key=row.storage_key,
        etag=_variant_etag(sha256, row.spec_key),
        format=ImageFormat(row.format),
        byte_size=row.byte_size,
        width=row.width,
        height=row.height,
        rendition="variant",
        variant_id=row.id,
    )


def _small_will_do(blob: StoredBlob, spec: RenderSpec) -> bool:
    """Whether ``spec`` needs no more pixels than the small rendition holds, and that one is
    worth having (the image is much larger)."""
    longest = max(blob.width, blob.height)
    if spec.key == SMALL_SPEC.key or longest < SMALL_SIDE * 3 // 2:
        return False
    return _needed_scale(blob.width, blob.height, spec) * longest <= SMALL_SIDE


def _small_source(rt: Runtime, blob: StoredBlob) -> str:
    """The key of the small rendition, made (once) from the mezzanine on first need. It is a
    variant like any other: evicted when unused, made again when needed."""
    return fetch(rt, variant_plan(blob, SMALL_SPEC)).storage_key


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
