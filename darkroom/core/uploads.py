"""Two-phase uploads: announce an upload, send its bytes later, then make an image of it.

Doors call the functions that take a ``Runtime`` and answer with ``UploadRecord``s; the ones that
take a session are building blocks for core and tests.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from darkroom.clock import utcnow
from darkroom.core import albums, blobs, images, spaces
from darkroom.core.access import Scope
from darkroom.core.blobs import Source
from darkroom.core.images import NewImage
from darkroom.core.records import ImageRecord, UploadRecord, image_record, upload_record
from darkroom.core.runtime import Runtime
from darkroom.db.models import Blob, Upload
from darkroom.errors import Conflict, Forbidden, Invalid, NotFound
from darkroom.media import ImageFormat

SEND_BY = "send_by"  # extras key: ISO instant after which the bytes are refused


class UploadStatus:
    PENDING = "pending"
    COMPLETE = "complete"
    ATTACHED = "attached"


def get(
    session: Session, scope: Scope, upload_uuid: str, *, from_ancestors: bool = False
) -> Upload:
    """An upload of the scope's space that belongs to the caller (managers see all).

    With ``from_ancestors``, the caller's own uploads of the space's ancestors count too (an
    upload to a top-level space used in one of its child spaces).
    """
    upload = session.get(Upload, upload_uuid)
    if upload is None:
        raise NotFound("upload", upload_uuid)
    own = upload.principal_id == scope.actor.principal_id
    if upload.space_id == scope.space_id:
        if own or scope.manages:
            return upload
    elif (
        from_ancestors
        and own
        and upload.principal_id is not None
        and upload.space_id in {s.id for s in spaces.ancestors(session, scope.space)}
    ):
        return upload
    raise NotFound("upload", upload_uuid)


def _past_send_by(upload: Upload) -> bool:
    send_by = (upload.extras or {}).get(SEND_BY)
    return send_by is not None and datetime.fromisoformat(send_by) <= utcnow()


def receive(
    rt: Runtime,
    upload_uuid: str,
    source: Source,
    *,
    formats: frozenset[ImageFormat] | None = None,
    max_bytes: int | None = None,
) -> UploadRecord:
    """The bytes of a pending upload arrive (the caller has proved it may send them)."""
    with rt.reading() as session:
        _pending(session, upload_uuid)
    return blobs.store_and_use(
        rt,
        source,
        lambda blob: _complete(rt, upload_uuid, blob),
        formats=formats,
        max_bytes=max_bytes,
    )


def _complete(rt: Runtime, upload_uuid: str, blob: Blob) -> UploadRecord:
    with rt.transaction() as session:
        blobs.require(session, blob.sha256)
        # Locked and checked again: of two senders racing, one completes it, the other is refused.
        upload = _locked(session, upload_uuid)
        _pending(session, upload_uuid)
        upload.blob_sha256 = blob.sha256
        upload.status = UploadStatus.COMPLETE
        upload.completed_at = utcnow()
        session.flush()
        return upload_record(upload)


def consume(
    session: Session, scope: Scope, upload_uuid: str, *, from_ancestors: bool = False
) -> Blob:
    """The blob of a complete upload of the caller's, which is then attached and can't be reused.

    ``from_ancestors`` as for ``get``.
    """
    upload = get(session, scope, upload_uuid, from_ancestors=from_ancestors)
    # Locked before its status is read, so two requests cannot both use it.
    upload = _locked(session, upload.uuid)
    if upload.status == UploadStatus.ATTACHED:
        raise Invalid("upload was already used", field="upload_uuid")
    if upload.status != UploadStatus.COMPLETE or upload.blob_sha256 is None:
        raise Invalid("upload has not received its bytes", field="upload_uuid")
    upload.status = UploadStatus.ATTACHED
    return session.get_one(Blob, upload.blob_sha256)


def unclaim(session: Session, upload_uuid: str) -> None:
    """Make an attached upload usable again: the image it was consumed for was not made."""
    upload = session.get(Upload, upload_uuid)
    if upload is not None and upload.status == UploadStatus.ATTACHED:
        upload.status = UploadStatus.COMPLETE


def _locked(session: Session, upload_uuid: str) -> Upload:
    """The upload's row, re-read and locked until the transaction ends (``SELECT ... FOR UPDATE``
    on PostgreSQL; SQLite's writers are one at a time anyway)."""
    upload = session.get(Upload, upload_uuid, with_for_update=True, populate_existing=True)
    if upload is None:
        raise NotFound("upload", upload_uuid)
    return upload


def _any(session: Session, upload_uuid: str) -> Upload:
    upload = session.get(Upload, upload_uuid)
    if upload is None:
        raise NotFound("upload", upload_uuid)
    return upload


# --- what doors call: each opens its own transaction and answers with records ----------------


def announce(
    rt: Runtime,
    scope: Scope,
    *,
    ttl: timedelta,
    filename: str = "",
    content_type: str = "",
    send_within: timedelta | None = None,
    extras: dict[str, Any] | None = None,
) -> UploadRecord:
    """A pending upload owned by the scope's actor, usable until ``ttl`` from now.

    With ``send_within``, its bytes must arrive that soon (a door's storage window);
    ``extras`` keeps what a door needs to check the sender (e.g. a signed policy's secret).
    """
    now = utcnow()
    kept = dict(extras or {})
    if send_within is not None:
        kept[SEND_BY] = (now + send_within).isoformat()
    upload = Upload(
        uuid=str(uuid.uuid4()),
        space_id=scope.space_id,
        principal_id=scope.actor.principal_id,
        filename=filename,
        content_type=content_type,
        extras=kept,
        created_at=now,
        expires_at=now + ttl,
    )
    with rt.transaction() as session:
        session.add(upload)
        session.flush()
        return upload_record(upload)


def find(rt: Runtime, scope: Scope, upload_uuid: str) -> UploadRecord:
    """The caller's upload of the scope's space (any of that space for managers), as ``get``."""
    with rt.reading() as session:
        return upload_record(get(session, scope, upload_uuid))


def peek(rt: Runtime, upload_uuid: str) -> UploadRecord:
    """An upload by uuid alone, for a storage endpoint that checks the sender itself (a signed
    policy in its extras) before calling ``receive``. NotFound when there is none."""
    with rt.reading() as session:
        return upload_record(_any(session, upload_uuid))


def add_image(
    rt: Runtime,
    scope: Scope,
    album_id: int,
    upload_uuid: str,
    new: NewImage,
    *,
    from_ancestors: bool = False,
) -> ImageRecord:
    """A new image in the scope's album ``album_id`` of a completed upload's bytes (see
    ``consume``; ``from_ancestors`` as there).

    The upload is used up only when the image is made: if making it fails, it can be used
    again.
    """
    with rt.transaction() as session:
        blob = consume(session, scope, upload_uuid, from_ancestors=from_ancestors)
        album = albums.get(session, scope, album_id)
    try:
        created = images.create_from_blob(rt, scope, album, blob, new)
    except BaseException:
        with rt.transaction() as session:
            unclaim(session, upload_uuid)
        raise
    with rt.reading() as session:
        return image_record(session, images.get(session, scope, created.id))


# --- segmented uploads ----------------------------------------------------------------------
# A segmented upload declares its parts up front (size and SHA-256 each); the parts arrive one
# by one and are kept in the blob store (so any instance may receive any part) until the caller
# completes the upload, when they are joined, stored as one blob and removed.

SEGMENTS = "segments"  # extras key: the declared parts, [{"size", "sha256", "md5"?}]
SEGMENT_PREFIX = "upload-segments/"


def segment_key(upload_uuid: str, index: int) -> str:
    return f"{SEGMENT_PREFIX}{upload_uuid}/{index}"


def receive_segment(rt: Runtime, upload_uuid: str, index: int, source: Source) -> str:
    """Part ``index`` of a pending segmented upload; returns its MD5 (hex), S3's part ETag.

    The bytes must match the declared size and SHA-256 (Invalid otherwise); the caller has
    proved it may send them.
    """
    declared = _declared_segment(rt, upload_uuid, index)
    directory = rt.spool_dir
    with blobs.spool(source, directory=directory, max_bytes=declared["size"]) as spooled:
        if spooled.size != declared["size"] or spooled.sha256 != declared["sha256"]:
            raise Invalid(
                f"segment {index} does not match its declared size and sha256", field="segments"
            )
        with spooled.path.open("rb") as data:
            digest = _md5(data)
        with spooled.path.open("rb") as data:
            rt.store.put(segment_key(upload_uuid, index), data)
    return digest


def _declared_segment(rt: Runtime, upload_uuid: str, index: int) -> dict[str, Any]:
    with rt.reading() as session:
        upload = _pending(session, upload_uuid)
        declared = (upload.extras or {}).get(SEGMENTS) or []
    if not 0 <= index < len(declared):
        raise NotFound("upload segment", f"{upload_uuid}/{index}")
    segment: dict[str, Any] = declared[index]
    return segment


def _pending(session: Session, upload_uuid: str) -> Upload:
    upload = _any(session, upload_uuid)
    if upload.status != UploadStatus.PENDING:
        raise Conflict("upload already received")
    if upload.expires_at <= utcnow() or _past_send_by(upload):
        raise Forbidden("upload expired")
    return upload


def _md5(data: BinaryIO) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    while chunk := data.read(blobs.CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def complete_segments(
    rt: Runtime,
    scope: Scope,
    upload_uuid: str,
    etags: Sequence[str],
    *,
    formats: frozenset[ImageFormat] | None = None,
) -> UploadRecord:
    """Join the received parts of the caller's segmented upload (``get``), in order, into its
    bytes.

    ``etags`` are the parts' ETags as the caller got them (quotes optional), one per declared
    part; a missing part or a different ETag is Invalid. The parts are removed afterwards.
    """
    with rt.reading() as session:
        get(session, scope, upload_uuid)
        declared = (_pending(session, upload_uuid).extras or {}).get(SEGMENTS) or []
    if len(etags) != len(declared):
        raise Invalid(f"expected {len(declared)} segment etags, got {len(etags)}", field="segments")
    keys = [segment_key(upload_uuid, index) for index in range(len(declared))]
    for index, (key, etag) in enumerate(zip(keys, etags, strict=True)):
        if not rt.store.exists(key):
            raise Invalid(f"segment {index} was not received", field="segments")
        with rt.store.open(key) as data:
            if _md5(data) != etag.strip().strip('"').lower():
                raise Invalid(f"segment {index} etag does not match", field="segments")
    upload = receive(rt, upload_uuid, _joined(rt, keys), formats=formats)
    for key in keys:
        rt.store.delete(key)
    return upload


def _joined(rt: Runtime, keys: Sequence[str]) -> Iterator[bytes]:
    for key in keys:
        yield from rt.store.open_range(key, 0, None)


def sweep_segments(rt: Runtime) -> int:
    """Remove stored parts of uploads that can no longer be completed; how many were removed."""
    stale: list[str] = []
    with rt.reading() as session:
        for key in rt.store.keys(SEGMENT_PREFIX):
            upload_uuid = key[len(SEGMENT_PREFIX) :].split("/")[0]
            upload = session.get(Upload, upload_uuid)
            if (
                upload is None
                or upload.status != UploadStatus.PENDING
                or upload.expires_at <= utcnow()
                or _past_send_by(upload)
            ):
                stale.append(key)
    for key in stale:
        rt.store.delete(key)
    return len(stale)
