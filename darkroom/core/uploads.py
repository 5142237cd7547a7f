"""Two-phase uploads: announce an upload, send its bytes later, then make an image of it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from darkroom.core import blobs
from darkroom.core.access import Scope
from darkroom.core.blobs import Source
from darkroom.core.clock import utcnow
from darkroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from darkroom.core.models import Blob, Upload
from darkroom.core.runtime import Runtime
from darkroom.media import ImageFormat


class UploadStatus:
    PENDING = "pending"
    COMPLETE = "complete"
    ATTACHED = "attached"


def create(
    session: Session,
    scope: Scope,
    *,
    ttl: timedelta,
    filename: str = "",
    content_type: str = "",
) -> Upload:
    """A pending upload owned by the scope's actor, usable until ``ttl`` from now."""
    now = utcnow()
    upload = Upload(
        uuid=str(uuid.uuid4()),
        space_id=scope.space_id,
        principal_id=scope.actor.principal_id,
        filename=filename,
        content_type=content_type,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(upload)
    session.flush()
    return upload


def get(session: Session, scope: Scope, upload_uuid: str) -> Upload:
    """An upload of the scope's space that belongs to the caller (managers see all)."""
    upload = session.get(Upload, upload_uuid)
    if upload is None or upload.space_id != scope.space_id:
        raise NotFound("upload", upload_uuid)
    if upload.principal_id != scope.actor.principal_id and not scope.actor.manages:
        raise NotFound("upload", upload_uuid)
    return upload


def receive(
    rt: Runtime,
    upload_uuid: str,
    source: Source,
    *,
    formats: frozenset[ImageFormat] | None = None,
    max_bytes: int | None = None,
) -> Upload:
    """The bytes of a pending upload arrive (the caller has proved it may send them)."""
    with rt.transaction() as session:
        upload = session.get(Upload, upload_uuid)
        if upload is None:
            raise NotFound("upload", upload_uuid)
        if upload.status != UploadStatus.PENDING:
            raise Conflict("upload already received")
        if upload.expires_at <= utcnow():
            raise Forbidden("upload expired")
    return blobs.store_and_use(
        rt,
        source,
        lambda blob: _complete(rt, upload_uuid, blob),
        formats=formats,
        max_bytes=max_bytes,
    )


def _complete(rt: Runtime, upload_uuid: str, blob: Blob) -> Upload:
    with rt.transaction() as session:
        blobs.require(session, blob.sha256)
        upload = session.get_one(Upload, upload_uuid)
        upload.blob_sha256 = blob.sha256
        upload.status = UploadStatus.COMPLETE
        upload.completed_at = utcnow()
    return upload


def consume(session: Session, scope: Scope, upload_uuid: str) -> Blob:
    """The blob of a complete upload of the caller's, which is then attached and can't be reused."""
    upload = get(session, scope, upload_uuid)
    if upload.status == UploadStatus.ATTACHED:
        raise Invalid("upload was already used", field="upload_uuid")
    if upload.status != UploadStatus.COMPLETE or upload.blob_sha256 is None:
        raise Invalid("upload has not received its bytes", field="upload_uuid")
    upload.status = UploadStatus.ATTACHED
    return session.get_one(Blob, upload.blob_sha256)
