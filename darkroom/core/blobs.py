"""Content-addressed blobs: spool a stream under a byte cap, check it, store it once by SHA-256."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darkroom.core import metrics
from darkroom.core.policy import AlbumPolicy
from darkroom.core.runtime import Runtime
from darkroom.db.models import Blob, Image, Upload, Variant
from darkroom.errors import TooLarge, Unsupported
from darkroom.media import ImageFormat, ImageInfo, Renditions, make_renditions, probe

CHUNK = 1024 * 1024
T = TypeVar("T")

Source = BinaryIO | Iterable[bytes]


@dataclass(frozen=True)
class Spooled:
    """Bytes written to a local temp file, with their hash and size."""

    path: Path
    sha256: str
    size: int


def blob_key(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def mezzanine_key(sha256: str, fmt: ImageFormat) -> str:
    return f"mezzanines/{sha256[:2]}/{sha256}.{fmt.extension}"


def _chunks(source: Source) -> Iterator[bytes]:
    if hasattr(source, "read"):
        while chunk := source.read(CHUNK):
            yield chunk
    else:
        yield from source


@contextmanager
def spool(source: Source, *, directory: Path, max_bytes: int) -> Iterator[Spooled]:
    """Copy ``source`` to a temp file, hashing as it goes; stop reading at once past ``max_bytes``.

    The file is removed when the block ends.
    """
    fd, name = tempfile.mkstemp(dir=directory, prefix="spool-")
    path = Path(name)
    try:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(source):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        f"file is larger than {max_bytes} bytes", limit=max_bytes, field="image"
                    )
                digest.update(chunk)
                out.write(chunk)
        yield Spooled(path=path, sha256=digest.hexdigest(), size=size)
    finally:
        with suppress(FileNotFoundError):
            path.unlink()


class BlobGone(Exception):
    """The blob row went away (released by a concurrent purge) before an image could use it."""


def require(session: Session, sha256: str) -> Blob:
    """The blob row, locked until the transaction ends, so it cannot be released under us."""
    blob = session.get(Blob, sha256, with_for_update=True)
    if blob is None:
        raise BlobGone(sha256)
    return blob


def admit(blob: Blob, policy: AlbumPolicy, server_cap: int) -> None:
    """Refuse a stored blob that ``policy`` would not have taken as an upload (a blob sent
    before its album was known: two-phase uploads, temporary images being attached)."""
    cap = policy.byte_cap(server_cap)
    if blob.byte_size > cap:
        raise TooLarge(f"file is larger than {cap} bytes", limit=cap, field="image")
    fmt = ImageFormat(blob.format)
    if policy.formats is not None and fmt not in policy.formats:
        raise _refused(fmt, policy.formats)


def _refused(fmt: ImageFormat, formats: frozenset[ImageFormat]) -> Unsupported:
    allowed = ", ".join(sorted(f.name for f in formats))
    return Unsupported(f"{fmt.name} is not accepted here; use {allowed}", field="image")


def store_content(
    rt: Runtime,
    source: Source,
    *,
    formats: frozenset[ImageFormat] | None = None,
    max_bytes: int | None = None,
) -> Blob:
    """Spool, sniff, probe (limits before any decode), decode once into the mezzanine and the
    placeholder, then store.

    Returns the Blob row, committed: an existing blob with the same bytes is reused. Raises
    TooLarge, Unsupported or Invalid before anything is stored.
    """
    return store_and_use(rt, source, lambda blob: blob, formats=formats, max_bytes=max_bytes)


def inspect(
    rt: Runtime,
    source: Source,
    *,
    formats: frozenset[ImageFormat] | None = None,
    max_bytes: int | None = None,
) -> ImageInfo:
    """What ``store_content`` would find in ``source`` before it decodes (cap, sniff, header
    limits, format), storing nothing: for dry runs. Pixels are not decoded, so a file whose
    header reads but whose data is corrupt passes here and is refused only by a real ingest."""
    with _upload(rt, source, max_bytes) as spooled:
        return _probed(rt, spooled, formats)


@contextmanager
def _upload(rt: Runtime, source: Source, max_bytes: int | None) -> Iterator[Spooled]:
    """``source`` spooled under the smaller of ``max_bytes`` and the server's cap; not empty."""
    cap = min(max_bytes or rt.settings.max_upload_bytes, rt.settings.max_upload_bytes)
    with spool(source, directory=rt.spool_dir, max_bytes=cap) as spooled:
        if spooled.size == 0:
            raise Unsupported("empty file", field="image")
        yield spooled


def _probed(rt: Runtime, spooled: Spooled, formats: frozenset[ImageFormat] | None) -> ImageInfo:
    """The header's facts, within the limits (before any decode) and of a format taken here."""
    info = probe(spooled.path, rt.limits)
    if formats is not None and info.format not in formats:
        raise _refused(info.format, formats)
    return info


@metrics.counts_rejections
def store_and_use(
    rt: Runtime,
    source: Source,
    use: Callable[[Blob], T],
    *,
    formats: frozenset[ImageFormat] | None = None,
    max_bytes: int | None = None,
) -> T:
    """Store ``source`` as in ``store_content``, then ``use`` the blob while the spool still exists.

    If ``use`` finds the blob released in between (``BlobGone``), the bytes are stored again from
    the spool and ``use`` runs once more, so a concurrent purge never loses an upload.
    """
    with _upload(rt, source, max_bytes) as spooled:
        with rt.cpu_slot("ingest"):
            info = _probed(rt, spooled, formats)
            blob = _known(rt, spooled.sha256)
            new_blob = blob is None
            if blob is None:
                blob = _save(rt, spooled, info, make_renditions(spooled.path))
        try:
            used = use(blob)
        except BlobGone:
            with rt.cpu_slot("ingest"):
                blob = _save(rt, spooled, info, make_renditions(spooled.path))
            used = use(blob)
        metrics.ingested(new_blob=new_blob, size=spooled.size)
        return used


def _known(rt: Runtime, sha256: str) -> Blob | None:
    with rt.reading() as session:
        known = session.get(Blob, sha256)
    if known is not None and rt.store.exists(blob_key(sha256)):
        return known
    return None


def _save(rt: Runtime, spooled: Spooled, info: ImageInfo, made: Renditions) -> Blob:
    # Row first, then bytes: gc only removes blob rows older than its grace period, so a row whose
    # bytes are still being written is never collected, and bytes are never left without a row.
    facts = info.facts
    blob = Blob(
        sha256=spooled.sha256,
        format=info.format.value,
        byte_size=spooled.size,
        width=info.width,
        height=info.height,
        frames=info.frames,
        taken_at=facts.taken_at,
        gps_lat=facts.gps_lat,
        gps_long=facts.gps_long,
        camera_make=facts.camera_make,
        camera_model=facts.camera_model,
        lens=facts.lens,
        exposure_time=facts.exposure_time,
        f_number=facts.f_number,
        iso=facts.iso,
        focal_length=facts.focal_length,
        placeholder=made.placeholder,
        perceptual_hash=made.perceptual_hash,
    )
    mezzanine = made.mezzanine
    if mezzanine is not None:
        blob.mezzanine_key = mezzanine_key(spooled.sha256, mezzanine.format)
    try:
        with rt.transaction() as session:
            session.add(blob)
    except IntegrityError:
        with rt.transaction() as session:
            existing = session.get(Blob, spooled.sha256)
        if existing is None:
            raise
        blob = existing
    with spooled.path.open("rb") as data:
        rt.store.put(blob_key(blob.sha256), data)
    if mezzanine is not None and blob.mezzanine_key:
        rt.store.put(blob.mezzanine_key, io.BytesIO(mezzanine.data))
    return blob


def is_referenced(session: Session, sha256: str) -> bool:
    by_image = session.scalar(select(exists().where(Image.blob_sha256 == sha256)))
    by_upload = session.scalar(select(exists().where(Upload.blob_sha256 == sha256)))
    return bool(by_image or by_upload)


def release(rt: Runtime, sha256: str) -> bool:
    """Delete the blob, its mezzanine and variants if nothing refers to it; True if deleted.

    The stored bytes are deleted while the row is locked, before the row's delete commits: an
    ingest of the same bytes waits for that commit and then writes row and bytes anew.
    """
    with rt.transaction() as session:
        blob = session.get(Blob, sha256, with_for_update=True)
        if blob is None or is_referenced(session, sha256):
            return False
        keys = [blob_key(sha256), *([blob.mezzanine_key] if blob.mezzanine_key else [])]
        keys += session.scalars(select(Variant.storage_key).where(Variant.blob_sha256 == sha256))
        session.execute(delete(Variant).where(Variant.blob_sha256 == sha256))
        session.delete(blob)
        session.flush()
        for key in keys:
            rt.store.delete(key)
    return True
