"""core.backfill on both databases: blobs stored before placeholders and perceptual hashes get
them, and their facts; ingest stores the hash."""

from __future__ import annotations

import io

from sqlalchemy import update

from darkroom.api import vocabulary
from darkroom.core import albums, backfill, images
from darkroom.core.access import Scope
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.db.models import Blob
from darkroom.media import make_perceptual_hash
from darkroom.media._dhash import distance, signed
from tests import images as samples

EXIF = {"exif-ifd0-Model": "GR III", "exif-ifd2-DateTimeOriginal": "2023:04:05 06:07:08"}


def _old_blob(runtime: Runtime, scope: Scope) -> str:
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    data = io.BytesIO(samples.jpeg_with_exif(EXIF))
    sha = images.ingest(runtime, scope, album, data, NewImage()).blob_sha256
    with runtime.transaction() as session:
        session.execute(
            update(Blob).values(
                placeholder=None, perceptual_hash=None, camera_model=None, taken_at=None
            )
        )
    return sha


def test_backfill_fills_placeholder_camera_and_missing_date(runtime: Runtime, scope: Scope) -> None:
    sha = _old_blob(runtime, scope)
    report = backfill.backfill(runtime)
    assert (report.filled, report.failed) == (1, [])
    with runtime.reading() as session:
        blob = session.get_one(Blob, sha)
    assert blob.placeholder is not None and blob.camera_model == "GR III"
    assert blob.taken_at is not None and blob.taken_at.year == 2023


def test_backfill_keeps_a_date_the_blob_already_has(runtime: Runtime, scope: Scope) -> None:
    from datetime import UTC, datetime

    sha = _old_blob(runtime, scope)
    kept = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
    with runtime.transaction() as session:
        session.execute(update(Blob).values(taken_at=kept))
    backfill.backfill(runtime)
    with runtime.reading() as session:
        assert session.get_one(Blob, sha).taken_at == kept


def test_backfill_dry_run_leaves_blobs_pending(runtime: Runtime, scope: Scope) -> None:
    _old_blob(runtime, scope)
    assert backfill.backfill(runtime, dry_run=True).filled == 1
    assert backfill.pending(runtime) == 1


def test_ingest_stores_the_perceptual_hash_of_the_picture(runtime: Runtime, scope: Scope) -> None:
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    data = samples.jpeg_with_exif(EXIF)
    sha = images.ingest(runtime, scope, album, io.BytesIO(data), NewImage()).blob_sha256
    with runtime.reading() as session:
        stored = session.get_one(Blob, sha).perceptual_hash
    assert stored is not None
    assert distance(stored, make_perceptual_hash(data)) <= 2


def test_a_hash_with_its_top_bit_set_is_stored_and_read_back(
    runtime: Runtime, scope: Scope
) -> None:
    sha = _old_blob(runtime, scope)
    for bits in (2**64 - 1, 2**63, 2**63 - 1):
        with runtime.transaction() as session:
            session.execute(update(Blob).values(perceptual_hash=signed(bits)))
        with runtime.reading() as session:
            read = session.get_one(Blob, sha).perceptual_hash
        assert read is not None and distance(read, bits) == 0


def test_backfill_gives_a_blob_from_before_0009_its_perceptual_hash(
    runtime: Runtime, scope: Scope
) -> None:
    sha = _old_blob(runtime, scope)
    with runtime.transaction() as session:
        session.execute(update(Blob).values(placeholder="kept"))  # 0008 filled, 0009 not
    assert backfill.pending(runtime) == 1
    report = backfill.backfill(runtime)
    assert (report.filled, report.failed) == (1, [])
    with runtime.reading() as session:
        blob = session.get_one(Blob, sha)
    assert blob.perceptual_hash is not None and blob.placeholder != "kept"
    assert backfill.pending(runtime) == 0
