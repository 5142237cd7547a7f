"""Export a space (or one of its albums): every live original, byte-identical, with a sidecar.

Layout, in a folder or a zip alike::

    <album folder>/<NNNN>-<file name>        the original, as stored
    <album folder>/<NNNN>-<file name>.json   its sidecar (core.sidecar)
    manifest.json                            what was exported, with SHA-256 and sizes
    SHA256SUMS                               for ``sha256sum -c``

Albums come in album order (position, id), images in album order (position, id); NNNN is the
1-based place in the album. Trashed and expired images are left out, and so are temporary
albums: their images are uploads waiting to be attached, gone within a day.

``plan`` reads the database once, in one read transaction; ``run`` then copies bytes without
holding one. Each original is hashed while it is copied: a missing or corrupt blob is reported
(``Done.error``) and the rest is exported.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom import __version__
from darkroom.clock import utcnow
from darkroom.core.archive import Writer
from darkroom.core.blobs import blob_key
from darkroom.core.filenames import MAX_NAME_BYTES, safe_file_name, safe_name, unique
from darkroom.core.liveness import live_rows
from darkroom.core.locations import SEPARATOR
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.records import ImageRecord, image_records
from darkroom.core.runtime import Runtime
from darkroom.core.sidecar import SUFFIX, AlbumFacts, Original, Sidecar, dumps
from darkroom.core.temporary import TEMPORARY_ALBUM
from darkroom.db.models import Album, Image
from darkroom.errors import Invalid, NotFound

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
MANIFEST_VERSION = 1
CHUNK = 256 * 1024  # bytes read from the store at a time: all an export holds of an original
MIN_DIGITS = 4  # "0001-": at least four digits, more in an album of 10,000 images or more


@dataclass(frozen=True)
class AlbumEntry:
    id: int
    folder: str
    facts: AlbumFacts
    count: int


@dataclass(frozen=True)
class Item:
    """One original to write, where, and its sidecar."""

    image_id: int
    path: str
    sidecar_path: str
    sha256: str
    byte_size: int
    modified: datetime
    sidecar: Sidecar


@dataclass(frozen=True)
class Plan:
    space: str
    albums: tuple[AlbumEntry, ...]
    items: tuple[Item, ...]

    @property
    def byte_size(self) -> int:
        return sum(item.byte_size for item in self.items)


@dataclass(frozen=True)
class Done:
    """One image handled: written, or not (``error`` says why)."""

    item: Item
    error: str | None = None


@dataclass(frozen=True)
class Report:
    exported: int
    byte_size: int
    seconds: float
    failed: tuple[Done, ...] = field(default=())


class Unreadable(Exception):
    """An original could not be read from the store as it was stored."""


# --- choosing what to export ---------------------------------------------------------------------


def exportable_albums(session: Session, space_id: int) -> list[Album]:
    """The albums of a space an export writes, in album order (temporary ones left out)."""
    query = (
        select(Album)
        .where(
            Album.space_id == space_id,
            Album.deleted_at.is_(None),
            Album.kind != TEMPORARY_ALBUM,
        )
        .order_by(Album.position, Album.id)
    )
    return list(session.scalars(query))


def choose_album(rt: Runtime, space_id: int, text: str) -> int:
    """The id of the album ``text`` names in a space: ``#<id>``, or its name (an unnamed door
    album by its folder name, ``moov-account``). Invalid when none or several match, naming
    their ids so the caller can choose."""
    with rt.reading() as session:
        found = exportable_albums(session, space_id)
    if text.startswith("#") and text[1:].isdigit():
        wanted = int(text[1:])
        if any(album.id == wanted for album in found):
            return wanted
        raise Invalid(f"no album #{wanted} in this space", field="album")
    named = [album for album in found if _title(album) == text]
    if not named:
        raise Invalid(f"no album named {text!r} in this space", field="album")
    if len(named) > 1:
        ids = ", ".join(f"#{album.id}" for album in named)
        raise Invalid(
            f"{len(named)} albums are named {text!r} ({ids}); name one by its id, as /#ID",
            field="album",
        )
    return named[0].id


def plan(rt: Runtime, space_id: int, space_ref: str, *, album_id: int | None = None) -> Plan:
    """What an export of space ``space_id`` (or of album ``album_id`` alone) writes, and where."""
    with rt.reading() as session:
        albums = [
            album
            for album in exportable_albums(session, space_id)
            if album_id is None or album.id == album_id
        ]
        if album_id is not None and not albums:
            raise NotFound("album", album_id)
        rows = session.scalars(
            select(Image).where(
                Image.space_id == space_id,
                Image.album_id.in_([album.id for album in albums]),
                live_rows(),
            )
        ).all()
        records = image_records(session, rows)
    by_album: dict[int, list[ImageRecord]] = defaultdict(list)
    for record in records:
        by_album[record.album.id].append(record)
    entries: list[AlbumEntry] = []
    items: list[Item] = []
    folders: list[str] = [MANIFEST, SUMS]
    for album in albums:
        members = sorted(by_album[album.id], key=lambda image: (image.position, image.id))
        folder = unique(safe_name(_title(album), fallback=album.kind, max_bytes=200), folders)
        folders.append(folder)
        facts = _album_facts(album)
        entries.append(AlbumEntry(album.id, folder, facts, len(members)))
        digits = number_width(len(members))
        for number, image in enumerate(members, start=1):
            prefix = f"{number:0{digits}d}-"
            room = MAX_NAME_BYTES - len(SUFFIX) - len(prefix)  # the sidecar's name must fit too
            file = safe_file_name(image.name, image.blob.format, max_bytes=room)
            path = f"{folder}/{prefix}{file}"
            items.append(
                Item(
                    image_id=image.id,
                    path=path,
                    sidecar_path=path + SUFFIX,
                    sha256=image.blob.sha256,
                    byte_size=image.blob.byte_size,
                    modified=image.taken_at or image.created_at,
                    sidecar=_sidecar(space_ref, facts, image, path),
                )
            )
    return Plan(space=space_ref, albums=tuple(entries), items=tuple(items))


def number_width(count: int) -> int:
    """Digits of the numbers in an album of ``count`` images, so they sort as they read."""
    return max(MIN_DIGITS, len(str(count)))


def _title(album: Album) -> str:
    """The album's name; an unnamed one is named by its kind (and its door's id for it)."""
    if album.name.strip():
        return album.name
    return f"{album.kind}-{album.external_id}" if album.external_id else album.kind


def _album_facts(album: Album) -> AlbumFacts:
    return AlbumFacts.of(
        AlbumType(album.kind, AlbumPolicy.of(album)),
        album.external_id,  # as stored: None, "" or the door's id (records turn "" into None)
        name=album.name,
        private=album.private,
        position=album.position,
    )


def _sidecar(space_ref: str, album: AlbumFacts, image: ImageRecord, path: str) -> Sidecar:
    blob = image.blob
    camera = {
        "make": blob.camera_make,
        "model": blob.camera_model,
        "lens": blob.lens,
        "exposure_time": blob.exposure_time,
        "f_number": blob.f_number,
        "iso": blob.iso,
        "focal_length": blob.focal_length,
    }
    original = Original(
        file=path,
        sha256=blob.sha256,
        byte_size=blob.byte_size,
        format=blob.format.value,
        width=blob.width,
        height=blob.height,
        camera=camera,
    )
    location = image.location
    return Sidecar(
        space=space_ref,
        album=album,
        position=image.position,
        original=original,
        uuid=image.uuid,
        public_id=image.public_id,
        key=image.key,
        name=image.name,
        description=image.description,
        alt_text=image.alt_text,
        private=image.private,
        starred=image.starred,
        log_date=image.log_date,
        taken_at=image.taken_at,
        gps_lat=image.gps_lat,
        gps_long=image.gps_long,
        location=None if location is None else tuple(location.path.split(SEPARATOR)),
        trades=tuple(trade.name for trade in image.trades),
        uploader=None if image.uploader is None else image.uploader.name,
        created_at=image.created_at,
        updated_at=image.updated_at,
        extras=dict(image.extras),
    )


# --- writing -------------------------------------------------------------------------------------


def run(
    rt: Runtime,
    plan: Plan,
    writer: Writer,
    *,
    on_file: Callable[[Done], None] = lambda done: None,
) -> Report:
    """Write ``plan`` to ``writer``: each original and its sidecar, then the manifest and
    SHA256SUMS of the originals written. Errors of the writer itself (a full disk) stop it."""
    started = time.monotonic()
    exported_at = utcnow()
    written: list[Item] = []
    failed: list[Done] = []
    for item in plan.items:
        try:
            _copy(rt, item, writer)
        except Unreadable as error:
            done = Done(item, str(error))
            failed.append(done)
            on_file(done)
            continue
        _write_text(writer, item.sidecar_path, dumps(item.sidecar), item.modified)
        written.append(item)
        on_file(Done(item))
    report = Report(
        exported=len(written),
        byte_size=sum(item.byte_size for item in written),
        seconds=time.monotonic() - started,
        failed=tuple(failed),
    )
    _write_text(writer, MANIFEST, manifest(plan, written, failed, exported_at), exported_at)
    _write_text(writer, SUMS, sha256sums(written), exported_at)
    writer.close()
    return report


def _copy(rt: Runtime, item: Item, writer: Writer) -> None:
    """The original from the store to ``writer``; Unreadable if it is missing or not the bytes
    stored. The blob is opened before the writer starts a file, so a missing one leaves none."""
    try:
        stream = rt.store.open(blob_key(item.sha256))
    except NotFound:
        raise Unreadable(f"blob {item.sha256} is missing from the store") from None
    except OSError as error:
        raise Unreadable(f"blob {item.sha256} could not be opened: {error}") from None
    with stream:
        chunks = _verified(stream, item)
        writer.write(item.path, chunks, size=item.byte_size, modified=item.modified, compress=False)


def _verified(stream: BinaryIO, item: Item) -> Iterator[bytes]:
    """``stream`` in chunks, hashed on the way; Unreadable after the last chunk if they are not
    the bytes stored (so a folder drops the file it was writing)."""
    digest = hashlib.sha256()
    seen = 0
    try:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            seen += len(chunk)
            yield chunk
    except OSError as error:
        raise Unreadable(f"blob {item.sha256} could not be read: {error}") from None
    if digest.hexdigest() != item.sha256 or seen != item.byte_size:
        raise Unreadable(
            f"blob {item.sha256} is corrupt: {seen} bytes with SHA-256 {digest.hexdigest()}"
        )


def _write_text(writer: Writer, path: str, text: str, modified: datetime) -> None:
    data = text.encode()
    writer.write(path, [data], size=len(data), modified=modified, compress=True)


def manifest(
    plan: Plan, written: Sequence[Item], failed: Sequence[Done], exported_at: datetime
) -> str:
    """The export's table of contents: its albums, and for each original written its path,
    SHA-256, size and sidecar; the images that could not be written, with why."""
    data: dict[str, Any] = {
        "darkroom_export": MANIFEST_VERSION,
        "space": plan.space,
        "exported_at": exported_at,
        "darkroom_version": __version__,
        "count": len(written),
        "bytes": sum(item.byte_size for item in written),
        "albums": [
            {"id": entry.id, "folder": entry.folder, "count": entry.count, **_plain(entry.facts)}
            for entry in plan.albums
        ],
        "files": [
            {
                "path": item.path,
                "sha256": item.sha256,
                "bytes": item.byte_size,
                "sidecar": item.sidecar_path,
            }
            for item in written
        ],
        "failed": [
            {"image_id": done.item.image_id, "path": done.item.path, "error": done.error}
            for done in failed
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=_iso) + "\n"


def sha256sums(written: Sequence[Item]) -> str:
    """``sha256sum`` lines ("<hash>  <path>"): safe names hold no backslash or newline, the two
    characters that would need its escaped form."""
    return "".join(f"{item.sha256}  {item.path}\n" for item in written)


def _plain(facts: AlbumFacts) -> dict[str, Any]:
    return {name: getattr(facts, name) for name in AlbumFacts.__dataclass_fields__}


def _iso(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
