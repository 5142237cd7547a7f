"""What core functions hand back: frozen values holding everything a door needs to answer.

A door never sees a database session or an ORM row. Core reads rows inside its own transaction
and turns them into these records before the transaction ends, so shaping JSON can never trigger
a lazy load, and a record can be cached or sent to another thread as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core.policy import AlbumPolicy
from darkroom.db import models
from darkroom.media import ImageFormat

NO_EXTRAS: Mapping[str, Any] = MappingProxyType({})


def _frozen(data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(data)) if data else NO_EXTRAS


UNBORN = 0  # the id of a space not stored yet: no row has it, so it holds nothing


@dataclass(frozen=True)
class SpaceRecord:
    """A tenant boundary; an unborn one (``id`` UNBORN) is read before it is first written to
    (see ``access.enter``)."""

    id: int
    kind: str
    external_id: str
    parent_id: int | None = None
    name: str = ""
    settings: Mapping[str, Any] = field(default_factory=lambda: NO_EXTRAS)

    @property
    def stored(self) -> bool:
        return self.id != UNBORN


@dataclass(frozen=True)
class PrincipalRecord:
    id: int
    name: str
    role: str
    email: str | None
    display_name: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class AlbumRecord:
    id: int
    space_id: int
    kind: str
    external_id: str | None
    name: str
    private: bool
    position: int
    policy: AlbumPolicy
    cover_image_id: int | None
    owner_id: int | None
    extras: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class BlobRecord:
    sha256: str
    format: ImageFormat
    byte_size: int
    width: int
    height: int
    frames: int
    mezzanine_key: str | None
    taken_at: datetime | None = None
    gps_lat: float | None = None
    gps_long: float | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    lens: str | None = None
    exposure_time: float | None = None
    """Seconds (1/250 s is 0.004)."""
    f_number: float | None = None
    iso: int | None = None
    focal_length: float | None = None
    """Millimetres."""
    placeholder: str | None = None
    """Base64 ThumbHash of the picture; None for blobs not backfilled yet."""


@dataclass(frozen=True)
class LocationRecord:
    id: int
    space_id: int
    parent_id: int | None
    node_name: str
    path: str
    code: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TradeRecord:
    id: int
    space_id: int
    name: str
    active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ImageRecord:
    """One image with its album, blob, location, uploader and trades."""

    id: int
    uuid: str
    public_id: str
    key: str
    space_id: int
    album: AlbumRecord
    position: int
    blob: BlobRecord
    name: str
    description: str | None
    alt_text: str | None
    private: bool
    starred: bool
    width: int
    height: int
    taken_at: datetime | None
    log_date: date | None
    location: LocationRecord | None
    gps_lat: float | None
    gps_long: float | None
    uploader: PrincipalRecord | None
    uploader_id: int | None
    guest_key: str | None
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    extras: Mapping[str, Any]
    trades: tuple[TradeRecord, ...]

    @property
    def placeholder(self) -> str | None:
        """The blob's base64 ThumbHash (camera and exposure facts are on ``blob`` too)."""
        return self.blob.placeholder


@dataclass(frozen=True)
class UploadRecord:
    uuid: str
    space_id: int
    principal_id: int | None
    status: str
    filename: str
    content_type: str
    blob_sha256: str | None
    extras: Mapping[str, Any]
    created_at: datetime
    expires_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class ImagePage:
    """A page of a list and how many images match in all."""

    items: tuple[ImageRecord, ...]
    total: int


@dataclass(frozen=True)
class AlbumSummary:
    """An album with its number of live images and its cover, when the actor may see it."""

    album: AlbumRecord
    count: int
    cover: ImageRecord | None


@dataclass(frozen=True)
class AlbumPage:
    items: tuple[AlbumSummary, ...]
    total: int


@dataclass(frozen=True)
class LocationPage:
    items: tuple[LocationRecord, ...]
    total: int


@dataclass(frozen=True)
class AlbumImages:
    """An album of a scope (None before its first write), its live images in display order,
    and the policy it has (its album type's, before it exists)."""

    album: AlbumRecord | None
    images: tuple[ImageRecord, ...]
    policy: AlbumPolicy


# --- rows into records ---------------------------------------------------------------------------


def space_record(row: models.Space) -> SpaceRecord:
    return SpaceRecord(
        id=row.id,
        kind=row.kind,
        external_id=row.external_id,
        parent_id=row.parent_id,
        name=row.name,
        settings=_frozen(row.settings),
    )


def principal_record(row: models.Principal) -> PrincipalRecord:
    return PrincipalRecord(
        id=row.id,
        name=row.name,
        role=row.role,
        email=row.email,
        display_name=row.display_name,
        active=row.active,
        created_at=row.created_at,
    )


def album_record(row: models.Album) -> AlbumRecord:
    return AlbumRecord(
        id=row.id,
        space_id=row.space_id,
        kind=row.kind,
        external_id=row.external_id or None,  # ``albums.ONLY`` is storage's business
        name=row.name,
        private=row.private,
        position=row.position,
        policy=AlbumPolicy.of(row),
        cover_image_id=row.cover_image_id,
        owner_id=row.owner_id,
        extras=_frozen(row.extras),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def blob_record(row: models.Blob) -> BlobRecord:
    return BlobRecord(
        sha256=row.sha256,
        format=ImageFormat(row.format),
        byte_size=int(row.byte_size),
        width=row.width,
        height=row.height,
        frames=row.frames,
        mezzanine_key=row.mezzanine_key,
        taken_at=row.taken_at,
        gps_lat=row.gps_lat,
        gps_long=row.gps_long,
        camera_make=row.camera_make,
        camera_model=row.camera_model,
        lens=row.lens,
        exposure_time=row.exposure_time,
        f_number=row.f_number,
        iso=row.iso,
        focal_length=row.focal_length,
        placeholder=row.placeholder,
    )


def location_record(row: models.Location) -> LocationRecord:
    return LocationRecord(
        id=row.id,
        space_id=row.space_id,
        parent_id=row.parent_id,
        node_name=row.node_name,
        path=row.path,
        code=row.code,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def trade_record(row: models.Trade) -> TradeRecord:
    return TradeRecord(
        id=row.id,
        space_id=row.space_id,
        name=row.name,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def upload_record(row: models.Upload) -> UploadRecord:
    return UploadRecord(
        uuid=row.uuid,
        space_id=row.space_id,
        principal_id=row.principal_id,
        status=row.status,
        filename=row.filename,
        content_type=row.content_type,
        blob_sha256=row.blob_sha256,
        extras=_frozen(row.extras),
        created_at=row.created_at,
        expires_at=row.expires_at,
        completed_at=row.completed_at,
    )


def image_records(session: Session, rows: Sequence[models.Image]) -> tuple[ImageRecord, ...]:
    """``rows`` as records, loading their uploaders and locations in two queries in all."""
    uploaders = _by_id(session, models.Principal, {r.uploader_id for r in rows})
    locations = _by_id(session, models.Location, {r.location_id for r in rows})
    return tuple(_orm_image_record(row, uploaders, locations) for row in rows)


def image_record(session: Session, row: models.Image) -> ImageRecord:
    session.flush()
    session.refresh(row)  # a change may have moved it: reload its album and trades
    return image_records(session, [row])[0]


def _orm_image_record(
    row: models.Image,
    uploaders: Mapping[int, models.Principal],
    locations: Mapping[int, models.Location],
) -> ImageRecord:
    uploader = uploaders.get(row.uploader_id) if row.uploader_id is not None else None
    location = locations.get(row.location_id) if row.location_id is not None else None
    return image_record_of(
        row,
        album=album_record(row.album),
        blob=blob_record(row.blob),
        location=location_record(location) if location is not None else None,
        uploader=principal_record(uploader) if uploader is not None else None,
        trades=tuple(trade_record(t) for t in sorted(row.trades, key=lambda t: t.id)),
    )


def image_record_of(
    row: models.Image,
    *,
    album: AlbumRecord,
    blob: BlobRecord,
    location: LocationRecord | None,
    uploader: PrincipalRecord | None,
    trades: tuple[TradeRecord, ...],
) -> ImageRecord:
    """The record of image ``row`` (an ORM row, or a row read by ``core.page_rows``)."""
    return ImageRecord(
        id=row.id,
        uuid=row.uuid,
        public_id=row.public_id,
        key=row.key,
        space_id=row.space_id,
        album=album,
        position=row.position,
        blob=blob,
        name=row.name,
        description=row.description,
        alt_text=row.alt_text,
        private=row.private,
        starred=row.starred,
        width=row.width,
        height=row.height,
        taken_at=row.taken_at,
        log_date=row.log_date,
        location=location,
        gps_lat=row.gps_lat,
        gps_long=row.gps_long,
        uploader=uploader,
        uploader_id=row.uploader_id,
        guest_key=row.guest_key,
        expires_at=row.expires_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
        extras=_frozen(row.extras),
        trades=trades,
    )


def _by_id(session: Session, model: Any, ids: set[int | None]) -> dict[int, Any]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}
