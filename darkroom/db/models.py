"""The tables: spaces, principals and their credentials and grants, albums, blobs, images, trades,
locations, variants and pending uploads.

Every column that a front door filters or sorts on is a real column with an index, never a JSON
lookup. JSON columns (``extras``, ``settings``) only hold what is echoed back, never queried.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from darkroom.clock import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC everywhere (SQLite has no time zones) and hands back aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        """``process_result_value`` as one plain function: a list page reads some 1,500 of these
        values, and TypeDecorator's generic wrapper costs two calls more per value."""
        parse = self.impl_instance.result_processor(dialect, coltype)

        def aware(value: Any) -> datetime | None:
            if parse is not None:
                value = parse(value)
            return None if value is None else value.replace(tzinfo=UTC)

        return aware


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        date: Date(),
        dict[str, Any]: JSON(),
    }


class Space(Base):
    """A tenant boundary (``darkroom.api.vocabulary`` says what each door's are)."""

    __tablename__ = "spaces"
    __table_args__ = (UniqueConstraint("kind", "external_id", name="uq_spaces_kind_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Principal(Base):
    """A user of darkroom; ``role`` is admin or member (what else they may do, their grants say)."""

    __tablename__ = "principals"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    email: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Credential(Base):
    """A password (salted scrypt) or a bearer secret (sha256 of a random token), never plaintext."""

    __tablename__ = "credentials"
    __table_args__ = (Index("ix_credentials_kind_lookup", "kind", "lookup", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(
        ForeignKey("principals.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    # Secrets that are presented as-is (tokens) are found by their sha256; passwords have no lookup.
    lookup: Mapped[str | None] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    idle_timeout_s: Mapped[int | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Grant(Base):
    """A principal's right to act in a space and the spaces below it, as ``role`` (viewer,
    member or manager: ``core.access.SpaceRole``)."""

    __tablename__ = "grants"
    __table_args__ = (
        UniqueConstraint("principal_id", "space_id", name="uq_grants_principal_space"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Album(Base):
    """An ordered collection of images in a space; its kind says how it behaves."""

    __tablename__ = "albums"
    __table_args__ = (
        UniqueConstraint("space_id", "kind", "external_id", name="uq_albums_space_kind_external"),
        Index("ix_albums_space_kind_position", "space_id", "kind", "position"),
        # An album named by an outside id (an advertisement) is one across all spaces.
        Index(
            "uq_albums_kind_named",
            "kind",
            "external_id",
            unique=True,
            sqlite_where=text("external_id <> ''"),
            postgresql_where=text("external_id <> ''"),
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255), default="")
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    max_images: Mapped[int | None]
    single_slot: Mapped[bool] = mapped_column(Boolean, default=False)
    dedupe: Mapped[bool] = mapped_column(Boolean, default=False)
    # The rest of the album's policy (core.policy.AlbumPolicy): None means no limit of its own.
    max_bytes: Mapped[int | None] = mapped_column(BigInteger)
    formats: Mapped[str | None] = mapped_column(String(64))
    visible_to_guests: Mapped[bool] = mapped_column(Boolean, default=True)
    cover_image_id: Mapped[int | None]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id", ondelete="SET NULL"))
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None]


class Blob(Base):
    """Bytes stored once, named by their SHA-256, with what the probe learnt from the header."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    format: Mapped[str] = mapped_column(String(8))
    byte_size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int]
    height: Mapped[int]
    frames: Mapped[int] = mapped_column(Integer, default=1)
    # When and where the photo was taken, from its EXIF header at ingest (None where it is silent).
    taken_at: Mapped[datetime | None]
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_long: Mapped[float | None] = mapped_column(Float)
    # With what it was taken, from the same EXIF header (media.PhotoFacts): names of at most
    # 128 characters, exposure in seconds, focal length in mm.
    camera_make: Mapped[str | None] = mapped_column(String(128))
    camera_model: Mapped[str | None] = mapped_column(String(128))
    lens: Mapped[str | None] = mapped_column(String(128))
    exposure_time: Mapped[float | None] = mapped_column(Float)
    f_number: Mapped[float | None] = mapped_column(Float)
    iso: Mapped[int | None] = mapped_column(Integer)
    focal_length: Mapped[float | None] = mapped_column(Float)
    # A <= 2048 px rendition made at ingest; None when the original is small enough to be its own.
    mezzanine_key: Mapped[str | None] = mapped_column(String(255))
    # Base64 ThumbHash painted while the image loads; None until made (ingest or backfill).
    placeholder: Mapped[str | None] = mapped_column(String(64))
    # 64-bit dHash for near-duplicates, signed (media._dhash.signed); None until made.
    perceptual_hash: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Location(Base):
    """A node in a project's location tree; ``path`` is the full name, tiers joined by " > "."""

    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("space_id", "path", name="uq_locations_space_path"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), index=True
    )
    node_name: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(2048))
    code: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Trade(Base):
    """Company-level reference data that images are tagged with."""

    __tablename__ = "trades"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ImageTrade(Base):
    """An image tagged with a trade. Written only by ``core.images`` (``Image.trade_tags``).

    ``space_id`` and the columns after ``trade_id`` are copies of the image's (not references of
    their own), for the trade filter: a company's trades tag images of all its projects, and a
    trade's count and page read one project's tags of it, with what the list tests of each image,
    from ``ix_image_trades_listed`` alone (core/trade_list.py). Database triggers keep the copies
    in step with ``images`` whoever writes either table (migration 0010); nullable because
    SQLite's triggers fill a tag just after it is inserted. Nobody writes them but the triggers.
    """

    __tablename__ = "image_trades"
    __table_args__ = (
        Index(
            "ix_image_trades_listed",
            "trade_id",
            "space_id",
            "created_at",
            "image_id",
            "deleted_at",
            "expires_at",
            "private",
            "uploader_id",
            "starred",
            "album_id",
            "location_id",
        ),
    )

    image_id: Mapped[int] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    trade_id: Mapped[int] = mapped_column(
        ForeignKey("trades.id", ondelete="CASCADE"), primary_key=True
    )
    space_id: Mapped[int]
    album_id: Mapped[int | None]
    created_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    private: Mapped[bool | None]
    uploader_id: Mapped[int | None]
    starred: Mapped[bool | None]
    location_id: Mapped[int | None]


# What the image list checks of every candidate: the visibility rule and starred. Its indexes carry
# these (and space_id, created_at and id), so counting the matches reads index entries alone,
# never the table rows.
_LISTED = ("deleted_at", "expires_at", "private", "uploader_id", "starred")


class Image(Base):
    """One upload as its owner sees it, addressable by integer id, UUID, public id or key."""

    __tablename__ = "images"
    __table_args__ = (
        # Duplicate refusal is this constraint, so concurrent identical uploads cannot race past it.
        UniqueConstraint("album_id", "dedupe_sha256", name="uq_images_album_dedupe"),
        Index("ix_images_album_position", "album_id", "position"),
        # The list's access paths: a project newest first; a project's images by id (those its
        # trade tags name); a location's images newest first (core.query says how each is used).
        # location_id in the first: PostgreSQL pages a location subtree by walking the project
        # newest first and testing the location from the index entry (migration 0005).
        Index("ix_images_space_created", "space_id", "created_at", "id", *_LISTED, "location_id"),
        Index("ix_images_space_id", "space_id", "id", *_LISTED),
        Index("ix_images_location", "location_id", "created_at", "id", *_LISTED, "space_id"),
        Index("ix_images_space_updated", "space_id", "updated_at"),
        Index("ix_images_space_taken", "space_id", "taken_at"),
        Index("ix_images_space_log_date", "space_id", "log_date"),
        Index("ix_images_space_deleted", "space_id", "deleted_at"),
        Index("ix_images_space_private", "space_id", "private"),
        Index("ix_images_space_starred", "space_id", "starred"),
        Index("ix_images_blob", "blob_sha256"),
        Index("ix_images_expires", "expires_at"),
        Index("ix_images_guest", "guest_key"),
        Index("ix_images_guest_address", "guest_address", "created_at"),  # guests' daily quotas
        # Ids are public (doors hand them out): a deleted image's id must never name another.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    dedupe_sha256: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str | None] = mapped_column(Text)
    alt_text: Mapped[str | None] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    width: Mapped[int]
    height: Mapped[int]
    taken_at: Mapped[datetime | None]
    log_date: Mapped[date | None]
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"))
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_long: Mapped[float | None] = mapped_column(Float)
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("principals.id", ondelete="SET NULL"), index=True
    )
    guest_key: Mapped[str | None] = mapped_column(String(255))
    guest_address: Mapped[str | None] = mapped_column(String(64))  # a guest upload's client
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None]
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)

    blob: Mapped[Blob] = relationship(lazy="joined")
    album: Mapped[Album] = relationship(lazy="joined")
    # Read through ``trades``; written only through ``trade_tags`` (``core.images``), whose rows
    # carry the image's space.
    trades: Mapped[list[Trade]] = relationship(
        secondary="image_trades", lazy="selectin", viewonly=True
    )
    trade_tags: Mapped[list[ImageTrade]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class Variant(Base):
    """A cached rendition of a blob; computed once, stored under ``storage_key``."""

    __tablename__ = "variants"
    __table_args__ = (
        UniqueConstraint("blob_sha256", "spec_key", name="uq_variants_blob_spec"),
        Index("ix_variants_last_used_at", "last_used_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256", ondelete="CASCADE"))
    spec_key: Mapped[str] = mapped_column(String(128))
    storage_key: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int]
    height: Mapped[int]
    byte_size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a request last used it, written in batches (not on every hit): the variant cache
    # evicts the least recently used first when it is over its byte budget.
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)


class Upload(Base):
    """A pending two-phase upload: announced first, bytes later, then made into an image."""

    __tablename__ = "uploads"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    principal_id: Mapped[int | None] = mapped_column(
        ForeignKey("principals.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(255), default="")
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    completed_at: Mapped[datetime | None]


class JobLock(Base):
    """Lets one of several instances run a periodic job at a time."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


class ChangeCounter(Base):
    """One row whose ``value`` goes up in every transaction that changes what a capability
    delivers (a delete, trash, restore, replacement, privacy or grant change). Instances poll it
    to drop what they cached of resolutions (``core/generation.py``)."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    value: Mapped[int] = mapped_column(BigInteger, default=0)
