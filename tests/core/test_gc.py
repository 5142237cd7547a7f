"""Garbage collection: what expired or lost its last reference goes, rows and bytes alike."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import select, update

from darkroom.api import vocabulary
from darkroom.clock import utcnow
from darkroom.core import albums, blobs, gc, images, uploads, variants
from darkroom.core.access import Scope
from darkroom.core.blobs import blob_key
from darkroom.core.images import NewImage
from darkroom.core.records import UploadRecord
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.core.uploads import UploadStatus
from darkroom.db.models import Album, Blob, Image, JobLock, Upload, Variant
from darkroom.media import RenderSpec
from darkroom.storage import BlobStore
from tests import images as samples

FAKE_SHA = "ab" * 32


def _album(runtime: Runtime, scope: Scope) -> Album:
    with runtime.transaction() as session:
        return albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)


def _ingest(
    runtime: Runtime, scope: Scope, seed: int, *, expires_at: datetime | None = None
) -> Image:
    data = io.BytesIO(samples.jpeg(seed=seed))
    new = NewImage(expires_at=expires_at)
    return images.ingest(runtime, scope, _album(runtime, scope), data, new)


def _set_image(runtime: Runtime, image_id: int, **values: object) -> None:
    with runtime.transaction() as session:
        session.execute(update(Image).where(Image.id == image_id).values(**values))


def _age_blob(runtime: Runtime, sha: str, age: timedelta = timedelta(days=2)) -> None:
    with runtime.transaction() as session:
        session.execute(update(Blob).where(Blob.sha256 == sha).values(created_at=utcnow() - age))


def _image_exists(runtime: Runtime, image_id: int) -> bool:
    with runtime.transaction() as session:
        return session.get(Image, image_id) is not None


def _blob_exists(runtime: Runtime, sha: str) -> bool:
    with runtime.transaction() as session:
        row = session.get(Blob, sha)
    return row is not None or runtime.store.exists(blob_key(sha))


def _unreferenced_blob(runtime: Runtime, seed: int) -> str:
    return blobs.store_content(runtime, io.BytesIO(samples.jpeg(seed=seed))).sha256


def _upload(runtime: Runtime, scope: Scope, *, seed: int | None = None) -> UploadRecord:
    upload = uploads.announce(runtime, scope, ttl=timedelta(hours=1))
    if seed is not None:
        upload = uploads.receive(runtime, upload.uuid, io.BytesIO(samples.jpeg(seed=seed)))
    return upload


def _upload_exists(runtime: Runtime, upload_uuid: str) -> bool:
    with runtime.transaction() as session:
        return session.get(Upload, upload_uuid) is not None


def test_collect_expired_temp_image_deletes_row_and_releases_blob(
    runtime: Runtime, scope: Scope
) -> None:
    image = _ingest(runtime, scope, seed=1, expires_at=utcnow() + timedelta(hours=1))
    _set_image(runtime, image.id, expires_at=utcnow() - timedelta(minutes=1))
    report = gc.collect(runtime)
    assert report.temp_images == 1
    assert not _image_exists(runtime, image.id)
    assert not _blob_exists(runtime, image.blob_sha256)


def test_collect_temp_image_not_yet_expired_stays(runtime: Runtime, scope: Scope) -> None:
    image = _ingest(runtime, scope, seed=1, expires_at=utcnow() + timedelta(hours=1))
    report = gc.collect(runtime)
    assert report.temp_images == 0
    assert _image_exists(runtime, image.id)
    assert _blob_exists(runtime, image.blob_sha256)


def test_collect_trash_past_retention_is_purged_and_recent_trash_stays(
    runtime: Runtime, scope: Scope
) -> None:
    old, recent = _ingest(runtime, scope, seed=1), _ingest(runtime, scope, seed=2)
    retention = timedelta(days=runtime.settings.trash_retention_days)
    _set_image(runtime, old.id, deleted_at=utcnow() - retention - timedelta(minutes=1))
    with runtime.transaction() as session:
        images.trash(session, scope, session.get_one(Image, recent.id))
    report = gc.collect(runtime)
    assert report.trash == 1
    assert not _image_exists(runtime, old.id)
    assert not _blob_exists(runtime, old.blob_sha256)
    assert _image_exists(runtime, recent.id)
    assert _blob_exists(runtime, recent.blob_sha256)


def test_collect_purged_image_sharing_blob_with_live_image_keeps_blob(
    runtime: Runtime, scope: Scope
) -> None:
    doomed, live = _ingest(runtime, scope, seed=1), _ingest(runtime, scope, seed=1)
    assert doomed.blob_sha256 == live.blob_sha256
    _set_image(runtime, doomed.id, expires_at=utcnow() - timedelta(minutes=1))
    gc.collect(runtime, now=utcnow() + timedelta(days=1))
    assert not _image_exists(runtime, doomed.id)
    assert _blob_exists(runtime, live.blob_sha256)


def test_collect_unreferenced_blob_older_than_grace_is_removed(runtime: Runtime) -> None:
    sha = _unreferenced_blob(runtime, seed=1)
    later = utcnow() + timedelta(minutes=11)
    report = gc.collect(runtime, now=later, blob_grace=timedelta(minutes=10))
    assert report.blobs == 1
    with runtime.transaction() as session:
        assert session.get(Blob, sha) is None
    assert not runtime.store.exists(blob_key(sha))


def test_collect_unreferenced_blob_younger_than_grace_stays(runtime: Runtime) -> None:
    sha = _unreferenced_blob(runtime, seed=1)
    later = utcnow() + timedelta(minutes=9)
    report = gc.collect(runtime, now=later, blob_grace=timedelta(minutes=10))
    assert report.blobs == 0
    with runtime.transaction() as session:
        assert session.get(Blob, sha) is not None
    assert runtime.store.exists(blob_key(sha))


def test_collect_old_blob_of_live_image_is_never_removed(runtime: Runtime, scope: Scope) -> None:
    image = _ingest(runtime, scope, seed=1)
    _age_blob(runtime, image.blob_sha256)
    report = gc.collect(runtime, blob_grace=timedelta(0))
    assert report.blobs == 0
    assert _blob_exists(runtime, image.blob_sha256)
    assert runtime.store.exists(blob_key(image.blob_sha256))


def test_collect_old_blob_of_pending_upload_is_never_removed(
    runtime: Runtime, scope: Scope
) -> None:
    upload = _upload(runtime, scope, seed=1)
    assert upload.blob_sha256 is not None
    _age_blob(runtime, upload.blob_sha256)
    report = gc.collect(runtime, blob_grace=timedelta(0))
    assert report.blobs == 0
    assert _upload_exists(runtime, upload.uuid)
    assert runtime.store.exists(blob_key(upload.blob_sha256))


def test_collect_stray_blob_key_without_row_is_removed_and_live_keys_stay(
    runtime: Runtime, scope: Scope
) -> None:
    image = _ingest(runtime, scope, seed=1)
    runtime.store.put(blob_key(FAKE_SHA), io.BytesIO(b"left by a crash"))
    report = gc.collect(runtime)
    assert report.stray_keys == 1
    assert not runtime.store.exists(blob_key(FAKE_SHA))
    assert runtime.store.exists(blob_key(image.blob_sha256))


def test_collect_stray_mezzanine_and_variant_keys_without_blob_are_removed(
    runtime: Runtime,
) -> None:
    stray = [f"mezzanines/ab/{FAKE_SHA}.jpg", f"variants/ab/{FAKE_SHA}/10x10-inside-q82.jpeg"]
    for key in stray:
        runtime.store.put(key, io.BytesIO(b"x"))
    report = gc.collect(runtime)
    assert report.stray_keys == 2
    assert not any(runtime.store.exists(key) for key in stray)


def test_collect_released_blob_takes_its_mezzanine_and_variants(
    runtime: Runtime, scope: Scope
) -> None:
    data = io.BytesIO(samples.jpeg(3000, 200, seed=4))
    image = images.ingest(runtime, scope, _album(runtime, scope), data, NewImage())
    with runtime.transaction() as session:
        blob = session.get_one(Blob, image.blob_sha256)
    mezzanine = blob.mezzanine_key
    rendition = variants.variant(runtime, blob, RenderSpec(width=100, height=100))
    assert mezzanine is not None and runtime.store.exists(mezzanine)
    assert runtime.store.exists(rendition.storage_key)
    _set_image(runtime, image.id, expires_at=utcnow() - timedelta(minutes=1))

    gc.collect(runtime)

    assert not runtime.store.exists(mezzanine)
    assert not runtime.store.exists(rendition.storage_key)
    with runtime.transaction() as session:
        assert session.scalars(select(Variant)).all() == []


def test_collect_expired_and_attached_uploads_are_deleted_and_live_one_stays(
    runtime: Runtime, scope: Scope
) -> None:
    expired, attached, live = (_upload(runtime, scope) for _ in range(3))
    with runtime.transaction() as session:
        session.execute(
            update(Upload)
            .where(Upload.uuid == expired.uuid)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        session.execute(
            update(Upload).where(Upload.uuid == attached.uuid).values(status=UploadStatus.ATTACHED)
        )
    report = gc.collect(runtime)
    assert report.uploads == 2
    assert not _upload_exists(runtime, expired.uuid)
    assert not _upload_exists(runtime, attached.uuid)
    assert _upload_exists(runtime, live.uuid)


def test_collect_while_lock_is_held_is_skipped_and_leaves_the_lock(
    runtime: Runtime, scope: Scope
) -> None:
    image = _ingest(runtime, scope, seed=1)
    _set_image(runtime, image.id, expires_at=utcnow() - timedelta(minutes=1))
    with runtime.transaction() as session:
        session.add(JobLock(name="gc", holder="other", expires_at=utcnow() + timedelta(minutes=5)))
    report = gc.collect(runtime)
    assert report.skipped
    assert _image_exists(runtime, image.id)
    with runtime.transaction() as session:
        assert session.get_one(JobLock, "gc").holder == "other"


def test_collect_with_expired_lock_of_another_instance_runs(runtime: Runtime) -> None:
    with runtime.transaction() as session:
        session.add(JobLock(name="gc", holder="other", expires_at=utcnow() - timedelta(minutes=1)))
    assert not gc.collect(runtime).skipped


def test_collect_twice_in_a_row_releases_its_lock_between_runs(runtime: Runtime) -> None:
    assert not gc.collect(runtime).skipped
    assert not gc.collect(runtime).skipped
    with runtime.transaction() as session:
        assert session.get(JobLock, "gc") is None


class _HookedStore:
    """A store that runs ``hook`` when gc starts listing ``blobs/``, to stage a race there."""

    def __init__(self, inner: BlobStore, hook: Callable[[], None]) -> None:
        self.inner, self.hook = inner, hook

    def keys(self, prefix: str = "") -> Iterator[str]:
        if prefix == "blobs/":
            self.hook()
        return self.inner.keys(prefix)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def _hooked_runtime(runtime: Runtime, hook: Callable[[], None]) -> Runtime:
    return open_runtime(runtime.settings, store=_HookedStore(runtime.store, hook))  # type: ignore[arg-type]


def test_collect_keeps_bytes_of_blob_stored_while_it_runs(runtime: Runtime) -> None:
    stored: list[str] = []

    def concurrent_ingest() -> None:  # row committed, then bytes written, as blobs._save does
        stored.append(_unreferenced_blob(runtime, seed=5))

    hooked = _hooked_runtime(runtime, concurrent_ingest)
    try:
        gc.collect(hooked)
    finally:
        hooked.close()
    assert runtime.store.exists(blob_key(stored[0]))


def test_collect_outliving_its_lock_does_not_release_the_next_holders_lock(
    runtime: Runtime,
) -> None:
    def lock_taken_over() -> None:  # our lock expired mid-run and another instance took it
        with runtime.transaction() as session:
            session.get_one(JobLock, "gc").holder = "next"

    hooked = _hooked_runtime(runtime, lock_taken_over)
    try:
        gc.collect(hooked)
    finally:
        hooked.close()
    with runtime.transaction() as session:
        assert session.get_one(JobLock, "gc").holder == "next"


def test_collect_removes_parts_of_expired_segmented_uploads(runtime: Runtime, scope: Scope) -> None:
    import hashlib

    part = b"segment bytes"
    declared = [{"size": len(part), "sha256": hashlib.sha256(part).hexdigest()}]

    def announce() -> str:
        upload = uploads.announce(
            runtime, scope, ttl=timedelta(hours=1), extras={uploads.SEGMENTS: declared}
        )
        return upload.uuid

    expired, live = announce(), announce()
    for upload_uuid in (expired, live):
        uploads.receive_segment(runtime, upload_uuid, 0, io.BytesIO(part))
    with runtime.transaction() as session:
        session.execute(update(Upload).where(Upload.uuid == expired).values(expires_at=utcnow()))
    report = gc.collect(runtime)
    assert report.segments == 1
    assert not runtime.store.exists(uploads.segment_key(expired, 0))
    assert runtime.store.exists(uploads.segment_key(live, 0))
