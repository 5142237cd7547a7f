"""core.backfill on both databases: blobs stored before placeholders get them, and their facts."""

from __future__ import annotations

import io

from sqlalchemy import update

from darkroom.api import vocabulary
from darkroom.core import albums, backfill, images
from darkroom.core.access import Scope
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.db.models import Blob
from tests import images as samples

EXIF = {"exif-ifd0-Model": "GR III", "exif-ifd2-DateTimeOriginal": "2023:04:05 06:07:08"}


def _old_blob(runtime: Runtime, scope: Scope) -> str:
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    data = io.BytesIO(samples.jpeg_with_exif(EXIF))
    sha = images.ingest(runtime, scope, album, data, NewImage()).blob_sha256
    with runtime.transaction() as session:
        session.execute(update(Blob).values(placeholder=None, camera_model=None, taken_at=None))
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
