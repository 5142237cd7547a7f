"""Garbage collection: expired temp images and uploads, trash past retention, unreferenced blobs,
and stored bytes that no row names. One instance at a time, through a job lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select

from darkroom.clock import utcnow
from darkroom.core import blobs, joblocks, uploads
from darkroom.core.liveness import expired_rows
from darkroom.core.runtime import Runtime
from darkroom.core.uploads import UploadStatus
from darkroom.db.models import Blob, Image, Upload

BLOB_GRACE = timedelta(hours=1)  # a blob row younger than this may belong to an ingest in flight
LOCK_TTL = timedelta(minutes=30)
TEMP_FILE_AGE = timedelta(hours=1)  # a store temp file older than this belongs to a dead writer
STORED_PREFIXES = ("blobs/", "mezzanines/", "variants/")
BATCH = 500


@dataclass
class GcReport:
    skipped: bool = False
    temp_images: int = 0
    uploads: int = 0
    trash: int = 0
    blobs: int = 0
    stray_keys: int = 0
    segments: int = 0


def collect(
    rt: Runtime, *, now: datetime | None = None, blob_grace: timedelta = BLOB_GRACE
) -> GcReport:
    """Remove what nothing refers to any more; skipped when another instance holds the gc lock."""
    now = now or utcnow()
    holder = joblocks.acquire(rt, "gc", now, ttl=LOCK_TTL)
    if holder is None:
        return GcReport(skipped=True)
    try:
        report = GcReport()
        report.temp_images = _purge_images(rt, expired_rows(now))
        report.trash = _purge_images(rt, Image.deleted_at <= now - rt.settings.trash_retention)
        with rt.transaction() as session:
            stale = or_(Upload.expires_at <= now, Upload.status == UploadStatus.ATTACHED)
            deleted = session.execute(delete(Upload).where(stale).returning(Upload.uuid))
            report.uploads = len(deleted.all())
        report.blobs = _release_unreferenced(rt, now - blob_grace)
        report.stray_keys = _delete_stray_keys(rt)
        report.segments = uploads.sweep_segments(rt)
        return report
    finally:
        joblocks.release(rt, "gc", holder)


def _purge_images(rt: Runtime, condition: object) -> int:
    with rt.transaction() as session:
        doomed = session.execute(
            delete(Image).where(condition).returning(Image.id, Image.blob_sha256)  # type: ignore[arg-type]
        ).all()
    for sha in {row.blob_sha256 for row in doomed}:
        blobs.release(rt, sha)
    return len(doomed)


def _release_unreferenced(rt: Runtime, older_than: datetime) -> int:
    with rt.transaction() as session:
        candidates = list(
            session.scalars(
                select(Blob.sha256).where(
                    Blob.created_at < older_than,
                    ~exists().where(Image.blob_sha256 == Blob.sha256),
                    ~exists().where(Upload.blob_sha256 == Blob.sha256),
                )
            )
        )
    return sum(blobs.release(rt, sha) for sha in candidates)


def _delete_stray_keys(rt: Runtime) -> int:
    """Stored bytes whose blob row is gone (a crash between the row delete and the byte delete).

    Keys are listed before the rows are read: a blob's row is committed before its bytes are
    written, so a key that exists when listed and belongs to a live blob has a row the later
    read sees. (Reading the rows first would take the bytes of a blob stored in between.)
    """
    listed = list(_stored_shas(rt))
    stray = 0
    for start in range(0, len(listed), BATCH):
        batch = listed[start : start + BATCH]
        with rt.transaction() as session:
            wanted = {sha for _, sha in batch}
            known = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(wanted))))
        for key, sha in batch:
            if sha not in known:
                rt.store.delete(key)
                stray += 1
    sweep = getattr(rt.store, "sweep_temp", None)
    if sweep is not None:
        sweep(TEMP_FILE_AGE)
    return stray


def _stored_shas(rt: Runtime) -> Iterator[tuple[str, str]]:
    """Every stored key that belongs to a blob, with that blob's sha256."""
    for prefix in STORED_PREFIXES:
        for key in rt.store.keys(prefix):
            sha = _sha_in(key, prefix)
            if sha is not None:
                yield key, sha


def _sha_in(key: str, prefix: str) -> str | None:
    parts = key[len(prefix) :].split("/")
    if prefix == "blobs/":
        candidate = parts[-1]
    elif prefix == "mezzanines/":
        candidate = parts[-1].split(".")[0]
    else:
        candidate = parts[1] if len(parts) > 2 else ""
    return candidate if len(candidate) == 64 else None
