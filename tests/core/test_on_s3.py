"""darkroom on an S3 bucket: ingest, variants, eviction, purge, gc and verify with ``S3Store``
and SQLite.

The bucket lives in moto's S3 emulator, served over HTTP on a loopback port (see
``tests/storage/_s3.py``): an emulator stands in because no real S3-compatible service can
run on this machine. Every check reads the bucket with a separate client, so what is asserted
is what S3 holds, not what the store believes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import pyvips
from sqlalchemy import select

from darkroom.api import vocabulary
from darkroom.clock import utcnow
from darkroom.config import Settings
from darkroom.core import albums, gc, images, variants
from darkroom.core.access import Scope
from darkroom.core.blobs import blob_key
from darkroom.core.eviction import Evictor
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.core.verify import verify
from darkroom.db.models import Blob, Image, Variant
from darkroom.media import RenderSpec
from darkroom.storage import S3Store
from tests import images as samples
from tests.conftest import fresh_sqlite_database
from tests.storage._s3 import EMULATOR, Emulator

PREFIX = "deploy"


@pytest.fixture(scope="module")
def s3(request: pytest.FixtureRequest) -> Emulator:
    request.config.add_cleanup(EMULATOR.stop)
    EMULATOR.endpoint()
    return EMULATOR


@pytest.fixture
def runtime(tmp_path: Path, sqlite_template: Path, s3: Emulator) -> Iterator[Runtime]:
    """Overrides the suite's runtime: SQLite for rows, a fresh S3 bucket for bytes."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=fresh_sqlite_database(tmp_path, sqlite_template),
        storage_url="memory://",  # not used: the store is passed in
        max_upload_bytes=2 * 1024 * 1024,
    )
    rt = open_runtime(settings, store=s3.store(PREFIX))
    try:
        yield rt
    finally:
        rt.close()


def _objects(runtime: Runtime) -> set[str]:
    """Every object name in the runtime's bucket, read with the emulator's own client."""
    assert isinstance(runtime.store, S3Store)
    pages = EMULATOR.client().get_paginator("list_objects_v2").paginate(Bucket=runtime.store.bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", ())}


def _read_object(runtime: Runtime, key: str) -> bytes:
    assert isinstance(runtime.store, S3Store)
    response = EMULATOR.client().get_object(Bucket=runtime.store.bucket, Key=f"{PREFIX}/{key}")
    return bytes(response["Body"].read())


def _ingest(runtime: Runtime, scope: Scope, data: bytes) -> tuple[Image, Blob]:
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    image = images.ingest(runtime, scope, album, io.BytesIO(data), NewImage())
    with runtime.transaction() as session:
        return image, session.get_one(Blob, image.blob_sha256)


def test_image_lifecycle_on_s3_stores_renders_purges_collects_and_verifies(
    runtime: Runtime, scope: Scope
) -> None:
    original = samples.jpeg(3000, 200, seed=4)  # wide enough to get a mezzanine
    kept_data = samples.png(seed=7)

    # ingest: the original and its mezzanine land in the bucket, under the prefix
    image, blob = _ingest(runtime, scope, original)
    kept, kept_blob = _ingest(runtime, scope, kept_data)
    assert blob.mezzanine_key is not None
    assert _read_object(runtime, blob_key(blob.sha256)) == original
    assert _read_object(runtime, blob_key(kept_blob.sha256)) == kept_data
    assert {
        f"{PREFIX}/{blob_key(blob.sha256)}",
        f"{PREFIX}/{blob.mezzanine_key}",
        f"{PREFIX}/{blob_key(kept_blob.sha256)}",
    } <= _objects(runtime)
    assert all(name.startswith(f"{PREFIX}/") for name in _objects(runtime))

    # variant: rendered from S3, cached in S3, served from S3 by range
    delivery = variants.variant(runtime, blob, RenderSpec(width=100, height=100))
    rendered = _read_object(runtime, delivery.storage_key)
    decoded = pyvips.Image.new_from_buffer(rendered, "")
    assert (decoded.width, decoded.height) == (delivery.width, delivery.height) == (100, 7)
    assert b"".join(runtime.store.open_range(delivery.storage_key, 0, None)) == rendered
    again = variants.variant(runtime, blob, RenderSpec(width=100, height=100))
    assert again.storage_key == delivery.storage_key

    report = verify(runtime)
    assert (report.checked, report.missing, report.corrupt) == (2, [], [])

    # purge: the image's original, mezzanine and variant leave the bucket; the other stays
    images.purge(runtime, scope, image.id)
    assert _objects(runtime) == {f"{PREFIX}/{blob_key(kept_blob.sha256)}"}

    # gc: keys that no row claims (left by a crash) are listed from S3 and deleted there
    stray_sha = "ab" * 32
    stray = [blob_key(stray_sha), f"variants/ab/{stray_sha}/10x10-inside-q82.jpeg"]
    for key in stray:
        runtime.store.put(key, io.BytesIO(b"left by a crash"))
    trashed_at = utcnow() - runtime.settings.trash_retention - timedelta(minutes=1)
    with runtime.transaction() as session:
        session.get_one(Image, kept.id).deleted_at = trashed_at
    collected = gc.collect(runtime)
    assert (collected.stray_keys, collected.trash) == (2, 1)
    assert _objects(runtime) == set()

    # verify: an emptied bucket checks clean; new bytes damaged inside S3 are caught
    assert verify(runtime).checked == 0
    _, damaged = _ingest(runtime, scope, kept_data)
    EMULATOR.client().put_object(
        Bucket=runtime.store.bucket,  # type: ignore[attr-defined]
        Key=f"{PREFIX}/{blob_key(damaged.sha256)}",
        Body=kept_data[:-1] + bytes([kept_data[-1] ^ 1]),
    )
    report = verify(runtime)
    assert (report.checked, report.corrupt) == (1, [damaged.sha256])


def test_eviction_on_s3_deletes_variant_objects_and_keeps_originals_and_mezzanines(
    runtime: Runtime, scope: Scope
) -> None:
    _, blob = _ingest(runtime, scope, samples.jpeg(3000, 200, seed=6))
    assert blob.mezzanine_key is not None
    made = [variants.variant(runtime, blob, RenderSpec(side, side)) for side in (50, 60, 70, 80)]
    stored = runtime.evictor.stored_bytes()  # the four, and the small rendition they came from
    runtime.evictor.close()
    runtime.evictor = Evictor(runtime, stored - 1, background=False)
    with runtime.reading() as session:
        before = len(session.scalars(select(Variant.id)).all())
    variants.variant(runtime, blob, RenderSpec(50, 50))  # a hit: 50 is now the newest used

    report = runtime.evictor.evict()

    with runtime.reading() as session:
        rows = {f"{PREFIX}/{key}" for key in session.scalars(select(Variant.storage_key))}
    assert report.evicted == before - len(rows) > 0
    assert f"{PREFIX}/{made[0].storage_key}" in rows
    assert f"{PREFIX}/{made[1].storage_key}" not in rows  # the least recently used went first
    originals = {f"{PREFIX}/{blob_key(blob.sha256)}", f"{PREFIX}/{blob.mezzanine_key}"}
    assert _objects(runtime) == rows | originals
