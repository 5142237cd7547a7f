"""Images: ingest, find, change, order, trash, restore and purge, always inside a checked Scope."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darkroom.clock import utcnow
from darkroom.core import albums, blobs, locations, metrics, spaces
from darkroom.core.access import Scope, SpaceRole
from darkroom.core.blobs import Source
from darkroom.core.bounds import check_tiers, path_bounds
from darkroom.core.liveness import expired, is_live, live_rows
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.records import (
    AlbumImages,
    ImageRecord,
    album_record,
    image_record,
    image_records,
)
from darkroom.core.runtime import Runtime
from darkroom.core.unset import UNSET, Unset
from darkroom.db.models import Album, Blob, Image, ImageTrade, Location, Space, Trade
from darkroom.errors import Duplicate, Forbidden, Invalid, LimitExceeded, NotFound
from darkroom.media import ImageFormat

PUBLIC_ID_BYTES = 16  # 128 bits: public ids are capabilities, so they must be unguessable
KEY_BYTES = 24  # 32 URL-safe characters


@dataclass(frozen=True)
class NewImage:
    """What the uploader says about a new image; the bytes say the rest."""

    name: str = ""
    description: str | None = None
    alt_text: str | None = None
    private: bool = False
    starred: bool = False
    log_date: date | None = None
    location_id: int | None = None
    trade_ids: Sequence[int] = ()
    guest_key: str | None = None
    guest_address: str | None = None  # a guest's client address, counted by daily quotas
    expires_at: datetime | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    taken_at: datetime | None = None
    gps_lat: float | None = None
    gps_long: float | None = None
    identity: Identity | None = None  # kept from an export; None mints new ids
    position: int | None = None  # in the album; None puts it after the others


@dataclass(frozen=True)
class Identity:
    """The ids clients know an image by, and when it was made and last changed: an import
    restores them from an export, so links, vendor ids and dates stay as they were."""

    uuid: str
    public_id: str
    key: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ImageChanges:
    """A partial update: fields left UNSET keep their value; None clears a nullable field."""

    name: str | Unset = UNSET
    description: str | Unset | None = UNSET
    alt_text: str | Unset | None = UNSET
    private: bool | Unset = UNSET
    starred: bool | Unset = UNSET
    log_date: date | Unset | None = UNSET
    location_id: int | Unset | None = UNSET
    album_id: int | Unset = UNSET
    trade_ids: Sequence[int] | Unset = UNSET
    extras: dict[str, Any] | Unset = UNSET


@dataclass(frozen=True)
class Placement:
    """Where a door puts an image, resolved inside the write that places it.

    The album: ``album_id``, a live album of type ``kind`` in the scope (NotFound "album"
    otherwise), or for None the scope's album of ``default`` (made on first use, named
    ``default_name``). The location: ``location_id``, or the one at ``location_path`` (its tiers
    made as needed). UNSET leaves either as it is; a new image goes to the default album.
    """

    kind: str
    default: AlbumType
    default_name: str = ""
    album_id: int | Unset | None = UNSET
    location_id: int | Unset | None = UNSET
    location_path: Sequence[str] | Unset = UNSET


def ingest(
    rt: Runtime,
    scope: Scope,
    album: Album,
    source: Source,
    new: NewImage,
) -> Image:
    """Stream ``source`` into a new image of ``album``: cap → sniff → limits → hash → store → rows.

    The album's policy gives the byte cap and the formats it takes. Raises TooLarge, Unsupported,
    Invalid (undecodable), LimitExceeded or Duplicate.
    """
    policy = AlbumPolicy.of(album)
    return blobs.store_and_use(
        rt,
        source,
        lambda blob: create_from_blob(rt, scope, album, blob, new),
        formats=policy.formats,
        max_bytes=policy.max_bytes,
    )


@metrics.counts_rejections
def create_from_blob(rt: Runtime, scope: Scope, album: Album, blob: Blob, new: NewImage) -> Image:
    """A new image of stored ``blob`` in ``album``, in one transaction.

    Date taken and GPS position come from the file's EXIF where ``new`` does not give them.
    """
    new = with_photo_facts(blob, new)
    with rt.transaction() as session:
        blobs.require(session, blob.sha256)
        album = _album_in(session, scope, album.id)
        blobs.admit(blob, AlbumPolicy.of(album), rt.settings.max_upload_bytes)
        replaced = _make_room(session, album)
        identity = new.identity or _new_identity(blob)
        image = Image(
            uuid=identity.uuid,
            public_id=identity.public_id,
            key=identity.key,
            space_id=scope.space_id,
            album_id=album.id,
            position=_next_position(session, album) if new.position is None else new.position,
            blob_sha256=blob.sha256,
            dedupe_sha256=blob.sha256 if album.dedupe else None,
            name=new.name,
            description=new.description,
            alt_text=new.alt_text,
            private=new.private,
            starred=new.starred,
            width=blob.width,
            height=blob.height,
            log_date=new.log_date,
            taken_at=new.taken_at,
            gps_lat=new.gps_lat,
            gps_long=new.gps_long,
            location_id=_checked_location(session, scope, new.location_id),
            uploader_id=scope.actor.principal_id,
            guest_key=new.guest_key,
            guest_address=new.guest_address,
            expires_at=new.expires_at,
            extras=dict(new.extras),
        )
        if identity.created_at is not None:
            image.created_at = identity.created_at
        if identity.updated_at is not None:
            image.updated_at = identity.updated_at
        _set_trades(image, _checked_trades(session, scope, new.trade_ids))
        _insert_unique(session, image)
    for sha in replaced:
        blobs.release(rt, sha)
    return image


def _new_identity(blob: Blob) -> Identity:
    return Identity(
        uuid=str(uuid.uuid4()),
        public_id=secrets.token_urlsafe(PUBLIC_ID_BYTES),
        key=f"{secrets.token_urlsafe(KEY_BYTES)}.{ImageFormat(blob.format).extension}",
    )


def identity_taken(session: Session, identity: Identity) -> bool:
    """Whether an image already holds one of ``identity``'s ids (then an import mints new ones)."""
    clash = select(Image.id).where(
        (Image.uuid == identity.uuid)
        | (Image.public_id == identity.public_id)
        | (Image.key == identity.key)
    )
    return session.scalar(clash.limit(1)) is not None


def _insert_unique(session: Session, image: Image) -> None:
    try:
        with session.begin_nested():
            session.add(image)
    except IntegrityError:
        existing = session.scalar(
            select(Image.id).where(
                Image.album_id == image.album_id, Image.dedupe_sha256 == image.dedupe_sha256
            )
        )
        if existing is None:
            raise
        raise Duplicate(existing) from None


def _album_in(session: Session, scope: Scope, album_id: int) -> Album:
    album = session.get(Album, album_id)
    if (
        album is None
        or album.space_id != scope.space_id
        or album.deleted_at is not None
        or not albums.visible(scope, album)
    ):
        raise NotFound("album", album_id)
    return album


def _make_room(session: Session, album: Album) -> list[str]:
    """Enforce the album's size: single-slot albums drop their image, full albums refuse."""
    if album.single_slot:
        old = list(session.scalars(select(Image).where(Image.album_id == album.id)))
        for image in old:
            session.delete(image)
        session.flush()
        return [image.blob_sha256 for image in old]
    _require_room(session, album)
    return []


def _require_room(session: Session, album: Album) -> None:
    if album.max_images is not None and albums.count_images(session, album) >= album.max_images:
        raise LimitExceeded(album.max_images)


def _next_position(session: Session, album: Album) -> int:
    last = session.scalar(select(func.max(Image.position)).where(Image.album_id == album.id))
    return (last or 0) + 1


def _checked_location(session: Session, scope: Scope, location_id: int | None) -> int | None:
    if location_id is None:
        return None
    location = session.get(Location, location_id)
    if location is None or location.space_id != scope.space_id:
        raise Invalid(f"unknown location {location_id}", field="location_id")
    return location_id


def _checked_trades(session: Session, scope: Scope, trade_ids: Sequence[int]) -> list[Trade]:
    if not trade_ids:
        return []
    owners = [scope.space_id, *(s.id for s in spaces.ancestors(session, scope.space))]
    found = list(
        session.scalars(select(Trade).where(Trade.id.in_(trade_ids), Trade.space_id.in_(owners)))
    )
    missing = sorted(set(trade_ids) - {t.id for t in found})
    if missing:
        raise Invalid(f"unknown trade ids {missing}", field="trade_ids")
    return found


def _set_trades(image: Image, trades: list[Trade]) -> None:
    """Tag ``image`` with exactly ``trades``; each tag row carries the image's space."""
    wanted = {trade.id for trade in trades}
    kept = [tag for tag in image.trade_tags if tag.trade_id in wanted]
    added = wanted - {tag.trade_id for tag in kept}
    image.trade_tags = kept + [
        ImageTrade(trade_id=trade_id, space_id=image.space_id) for trade_id in sorted(added)
    ]
    image.trades = trades  # the read-only view, kept in step without reloading it


def rehome(image: Image, space: Space) -> None:
    """Give ``image`` to another space (system work, e.g. attaching a guest's temp image); its
    trade tags carry the space for the list index, so they follow."""
    image.space_id = space.id
    for tag in image.trade_tags:
        tag.space_id = space.id


def visible(scope: Scope, image: Image) -> bool:
    """Private images, and the images of a private album, are seen by their uploader and the
    space's managers only (and a private album's owner sees what is in it)."""
    if scope.manages or scope.owns(image.uploader_id):
        return True
    return not image.private and albums.visible(scope, image.album)


def may_change(scope: Scope, image: Image) -> bool:
    """Members change (edit, trash, restore, replace, delete) the images they uploaded; managers
    any image of their space; viewers none."""
    return scope.manages or (scope.role is not SpaceRole.VIEWER and scope.owns(image.uploader_id))


def _changeable(scope: Scope, image: Image | None, key: object, *, deleted: bool = False) -> Image:
    """``_checked``, and Forbidden unless the actor may change the image."""
    image = _checked(scope, image, key, deleted=deleted)
    if not may_change(scope, image):
        raise Forbidden(f"only its uploader or a manager may change image {key}")
    return image


def _checked(scope: Scope, image: Image | None, key: object, *, deleted: bool = False) -> Image:
    if (
        image is None
        or image.space_id != scope.space_id
        or (image.deleted_at is not None) != deleted
        or not visible(scope, image)
        or expired(image)
    ):
        raise NotFound("image", key)
    return image


def get(session: Session, scope: Scope, image_id: int, *, deleted: bool = False) -> Image:
    """The image ``image_id`` of the scope's space (in the trash if ``deleted``)."""
    return _checked(scope, session.get(Image, image_id), image_id, deleted=deleted)


def get_by_uuid(session: Session, scope: Scope, image_uuid: str) -> Image:
    image = session.scalar(select(Image).where(Image.uuid == image_uuid))
    return _checked(scope, image, image_uuid)


def get_public(
    session: Session, public_id: str, *, album_kinds: Collection[str] | None = None
) -> Image:
    """The live image behind a public id. Public ids are unguessable capabilities: no scope.

    ``album_kinds`` limits the answer to images of those album kinds, so a door's public URL
    serves only its own API's images, never another door's (private) ones.
    """
    image = session.scalar(select(Image).where(Image.public_id == public_id))
    if image is None or not is_live(image):
        raise NotFound("image", public_id)
    if album_kinds is not None and image.album.kind not in album_kinds:
        raise NotFound("image", public_id)
    return image


def update(session: Session, scope: Scope, image: Image, changes: ImageChanges) -> Image:
    """Apply ``changes`` to a live image of the scope (one the actor may change)."""
    image = _changeable(scope, image, image.id)
    for name in ("name", "description", "alt_text", "private", "starred", "log_date", "extras"):
        value = getattr(changes, name)
        if value is not UNSET:
            setattr(image, name, value)
    if not isinstance(changes.location_id, Unset):
        image.location_id = _checked_location(session, scope, changes.location_id)
    if not isinstance(changes.album_id, Unset) and changes.album_id != image.album_id:
        album = _album_in(session, scope, changes.album_id)
        position = _next_position(session, album)
        with _unique_in_album(session, image):
            image.album_id = album.id
            image.position = position
            image.dedupe_sha256 = image.blob_sha256 if album.dedupe else None
    if not isinstance(changes.trade_ids, Unset):
        _set_trades(image, _checked_trades(session, scope, changes.trade_ids))
    image.updated_at = utcnow()
    session.flush()
    return image


def replace_content(
    rt: Runtime,
    scope: Scope,
    image_id: int,
    source: Source,
) -> Image:
    """New bytes for an existing image (under its album's policy); ids and metadata stay, the
    ETag changes."""
    with rt.reading() as session:
        policy = AlbumPolicy.of(_changeable(scope, session.get(Image, image_id), image_id).album)
    return blobs.store_and_use(
        rt,
        source,
        lambda blob: _swap_blob(rt, scope, image_id, blob),
        formats=policy.formats,
        max_bytes=policy.max_bytes,
    )


def _swap_blob(rt: Runtime, scope: Scope, image_id: int, blob: Blob) -> Image:
    with rt.transaction() as session:
        blobs.require(session, blob.sha256)
        image = _changeable(scope, session.get(Image, image_id), image_id)
        old_sha = image.blob_sha256
        with _unique_in_album(session, image):
            image.blob_sha256 = blob.sha256
            image.width, image.height = blob.width, blob.height
            if image.album.dedupe:
                image.dedupe_sha256 = blob.sha256
            image.updated_at = utcnow()
    if old_sha != blob.sha256:
        blobs.release(rt, old_sha)
    return image


@contextmanager
def _unique_in_album(session: Session, image: Image) -> Iterator[None]:
    """Apply the block's changes to ``image`` in a savepoint; a dedupe clash becomes Duplicate.

    The changes must be made inside the block: a savepoint flushes what is pending when it opens.
    """
    wanted: tuple[int, str | None] | None = None
    try:
        with session.begin_nested():
            yield
            # Read before flushing: a failed savepoint expires the object's new values.
            wanted = (image.album_id, image.dedupe_sha256)
            session.flush()
    except IntegrityError:
        if wanted is None or wanted[1] is None:
            raise
        with session.no_autoflush:  # the failed change is still pending; don't flush it again
            existing = session.scalar(
                select(Image.id).where(
                    Image.album_id == wanted[0],
                    Image.dedupe_sha256 == wanted[1],
                    Image.id != image.id,
                )
            )
        if existing is None:
            raise
        raise Duplicate(existing) from None


def trash(session: Session, scope: Scope, image: Image) -> Image:
    """Soft delete: hidden from lists and lookups, restorable until the trash is purged."""
    image = _changeable(scope, image, image.id)
    image.deleted_at = image.updated_at = utcnow()
    session.flush()
    return image


def restore(session: Session, scope: Scope, image: Image, *, fallback: Album) -> Image:
    """Take an image out of the trash, into its album or ``fallback`` if that album is gone."""
    image = _changeable(scope, image, image.id, deleted=True)
    album = session.get(Album, image.album_id)
    if album is None or album.deleted_at is not None:
        image.album_id = _album_in(session, scope, fallback.id).id
        image.position = _next_position(session, fallback)
    image.deleted_at = None
    image.updated_at = utcnow()
    session.flush()
    return image


def purge(rt: Runtime, scope: Scope, image_id: int) -> None:
    """Delete an image for good (live or trashed) and release its blob if nothing else uses it."""
    with rt.transaction() as session:
        image = session.get(Image, image_id)
        if image is None or image.space_id != scope.space_id or not visible(scope, image):
            raise NotFound("image", image_id)
        if not may_change(scope, image):
            raise Forbidden(f"only its uploader or a manager may change image {image_id}")
        sha = image.blob_sha256
        session.delete(image)
    blobs.release(rt, sha)


def move(session: Session, scope: Scope, image: Image, album: Album) -> Image:
    """Put a (temporary) image into ``album``; it stops expiring. Album limits apply."""
    image = _checked(scope, image, image.id)
    target = _album_in(session, scope, album.id)
    if target.single_slot:
        _make_room(session, target)  # the replaced image's blob is left for gc to release
    else:
        _require_room(session, target)
    position = _next_position(session, target)
    with _unique_in_album(session, image):
        image.album_id = target.id
        image.position = position
        image.dedupe_sha256 = image.blob_sha256 if target.dedupe else None
        image.expires_at = None
        image.updated_at = utcnow()
    return image


def in_album(session: Session, scope: Scope, album: Album) -> list[Image]:
    """The live images of ``album`` in display order."""
    album = _album_in(session, scope, album.id)
    return [
        image
        for image in session.scalars(
            select(Image)
            .where(Image.album_id == album.id, live_rows())
            .order_by(Image.position, Image.id)
        )
        if visible(scope, image)
    ]


def reorder(session: Session, scope: Scope, album: Album, ids: Sequence[int]) -> list[Image]:
    """Put ``ids`` first, in that order; the album's other images keep their order after them.

    An id that is not a live image of this album is Invalid and nothing changes.
    """
    current = in_album(session, scope, album)
    by_id = {image.id: image for image in current}
    foreign = [i for i in ids if i not in by_id]
    if foreign:
        raise Invalid(f"images {foreign} are not in this album", field="ids")
    listed = list(dict.fromkeys(ids))
    ordered = [by_id[i] for i in listed] + [img for img in current if img.id not in set(listed)]
    for position, image in enumerate(ordered, start=1):
        image.position = position
    session.flush()
    return ordered


def with_photo_facts(blob: Blob, new: NewImage) -> NewImage:
    """``new`` with the date taken and GPS position read from the file at ingest, where it has
    none of its own."""
    return replace(
        new,
        taken_at=new.taken_at or blob.taken_at,
        gps_lat=new.gps_lat if new.gps_lat is not None else blob.gps_lat,
        gps_long=new.gps_long if new.gps_long is not None else blob.gps_long,
    )


# --- what doors call: each opens its own transaction and answers with records ----------------


def find(rt: Runtime, scope: Scope, image_id: int, *, deleted: bool = False) -> ImageRecord:
    """The live image ``image_id`` of the scope (in the trash if ``deleted``)."""
    with rt.reading() as session:
        return image_record(session, get(session, scope, image_id, deleted=deleted))


def find_by_uuid(rt: Runtime, scope: Scope, image_uuid: str) -> ImageRecord:
    with rt.reading() as session:
        return image_record(session, get_by_uuid(session, scope, image_uuid))


def find_public(
    rt: Runtime, public_id: str, *, album_kinds: Collection[str] | None = None
) -> ImageRecord:
    """The live image behind a public id (a capability: no scope), as ``get_public``."""
    with rt.reading() as session:
        return image_record(session, get_public(session, public_id, album_kinds=album_kinds))


def add(rt: Runtime, scope: Scope, album_id: int, source: Source, new: NewImage) -> ImageRecord:
    """``ingest`` into the scope's album ``album_id``."""
    with rt.reading() as session:
        album = _album_in(session, scope, album_id)
    created = ingest(rt, scope, album, source, new)
    with rt.reading() as session:
        return image_record(session, get(session, scope, created.id))


def replace_bytes(rt: Runtime, scope: Scope, image_id: int, source: Source) -> ImageRecord:
    """``replace_content``, answered with the changed image."""
    replace_content(rt, scope, image_id, source)
    return find(rt, scope, image_id)


def change(
    rt: Runtime,
    scope: Scope,
    image_id: int,
    changes: ImageChanges,
    *,
    placement: Placement | None = None,
) -> ImageRecord:
    """``update`` of the live image ``image_id``; a ``placement`` gives its album and location
    (in place of those of ``changes``), resolved in the same write."""
    if placement is not None:
        _check_path(rt, placement)
    with rt.transaction() as session:
        image = get(session, scope, image_id)
        if placement is not None:
            album_id, location_id = _resolve(session, scope, placement, new=False)
            changes = replace(changes, album_id=album_id, location_id=location_id)
        return image_record(session, update(session, scope, image, changes))


def place(rt: Runtime, scope: Scope, placement: Placement) -> tuple[int, int | None]:
    """The album id and location id a new image placed by ``placement`` goes to, making the
    default album and the location's tiers as needed (for ``add`` and ``uploads.add_image``)."""
    _check_path(rt, placement)
    with rt.transaction() as session:
        album_id, location_id = _resolve(session, scope, placement, new=True)
    assert not isinstance(album_id, Unset)
    return album_id, None if isinstance(location_id, Unset) else location_id


def _check_path(rt: Runtime, placement: Placement) -> None:
    """A location path within the bounds, refused before any transaction opens."""
    if not isinstance(placement.location_path, Unset):
        check_tiers(placement.location_path, path_bounds(rt.settings))


def _resolve(
    session: Session, scope: Scope, placement: Placement, *, new: bool
) -> tuple[int | Unset, int | Unset | None]:
    album_id: int | Unset = UNSET
    if placement.album_id is None or (new and isinstance(placement.album_id, Unset)):
        album_id = albums.ensure(session, scope, placement.default, name=placement.default_name).id
    elif not isinstance(placement.album_id, Unset):
        album_id = albums.get(session, scope, placement.album_id, placement.kind).id
    location_id = placement.location_id
    if not isinstance(placement.location_path, Unset):
        location_id = locations.find_or_create_path(session, scope, placement.location_path)[0].id
    return album_id, location_id


def move_to_trash(rt: Runtime, scope: Scope, image_id: int) -> ImageRecord:
    with rt.transaction() as session:
        return image_record(session, trash(session, scope, get(session, scope, image_id)))


def take_from_trash(
    rt: Runtime, scope: Scope, image_id: int, *, fallback: AlbumType, name: str = ""
) -> ImageRecord:
    """``restore`` the trashed image ``image_id``; its album gone, into the scope's album of
    ``fallback`` (made on first use, named ``name``)."""
    with rt.transaction() as session:
        trashed = get(session, scope, image_id, deleted=True)
        home = albums.ensure(session, scope, fallback, name=name)
        return image_record(session, restore(session, scope, trashed, fallback=home))


def list_album(rt: Runtime, scope: Scope, album_id: int) -> tuple[ImageRecord, ...]:
    """The live images of the scope's album ``album_id`` the actor may see, in display order."""
    with rt.reading() as session:
        return image_records(session, in_album(session, scope, _album_in(session, scope, album_id)))


def put_in_order(rt: Runtime, scope: Scope, album_id: int, ids: Sequence[int]) -> None:
    """``reorder`` the scope's album ``album_id``."""
    with rt.transaction() as session:
        reorder(session, scope, _album_in(session, scope, album_id), ids)


def list_of_type(
    rt: Runtime, scope: Scope, album_type: AlbumType, external_id: str | None = None
) -> AlbumImages:
    """The scope's album of ``album_type`` (and ``external_id``) with its live images in display
    order. Reads only: before the album's first write there is no album, no image, and the
    type's policy."""
    with rt.reading() as session:
        album = albums.find(session, scope, album_type.kind, external_id)
        if album is None:
            return AlbumImages(album=None, images=(), policy=album_type.policy)
        found = image_records(session, in_album(session, scope, album))
        return AlbumImages(album=album_record(album), images=found, policy=AlbumPolicy.of(album))
