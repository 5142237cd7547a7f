"""Albums: ordered collections in a space. Their kind fixes how they behave (dedupe, size, slots),
so rules like "the contact-info image replaces the old one" are album properties, not door hacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darkroom.core.access import Scope
from darkroom.core.clock import utcnow
from darkroom.core.errors import Invalid, NotFound
from darkroom.core.models import Album, Image
from darkroom.core.unset import UNSET, Unset


class AlbumKind(StrEnum):
    PROCORE_CATEGORY = "procore-category"
    PROCORE_UNCLASSIFIED = "procore-unclassified"
    MOOV_ACCOUNT = "moov-account"
    CYCLOS_PROFILE = "cyclos-profile"
    CYCLOS_CUSTOM = "cyclos-custom"
    CYCLOS_AD = "cyclos-ad"
    CYCLOS_CONTACT_INFO = "cyclos-contact-info"
    CYCLOS_TEMP = "cyclos-temp"


@dataclass(frozen=True)
class AlbumPolicy:
    dedupe: bool = False
    max_images: int | None = None
    single_slot: bool = False


POLICIES: dict[AlbumKind, AlbumPolicy] = {
    AlbumKind.PROCORE_CATEGORY: AlbumPolicy(),
    AlbumKind.PROCORE_UNCLASSIFIED: AlbumPolicy(),
    AlbumKind.MOOV_ACCOUNT: AlbumPolicy(dedupe=True, max_images=300),
    AlbumKind.CYCLOS_PROFILE: AlbumPolicy(max_images=10),
    AlbumKind.CYCLOS_CUSTOM: AlbumPolicy(max_images=50),
    AlbumKind.CYCLOS_AD: AlbumPolicy(max_images=20),
    AlbumKind.CYCLOS_CONTACT_INFO: AlbumPolicy(max_images=1, single_slot=True),
    AlbumKind.CYCLOS_TEMP: AlbumPolicy(),
}


def ensure(
    session: Session,
    scope: Scope,
    kind: AlbumKind,
    external_id: str | None = None,
    *,
    name: str = "",
    policy: AlbumPolicy | None = None,
) -> Album:
    """The album of ``kind`` (and ``external_id``) in the scope's space, created on first use."""
    found = find(session, scope, kind, external_id)
    if found is not None:
        return found
    rules = policy or POLICIES[kind]
    album = Album(
        space_id=scope.space_id,
        kind=kind,
        external_id=external_id,
        name=name,
        dedupe=rules.dedupe,
        max_images=rules.max_images,
        single_slot=rules.single_slot,
        owner_id=scope.actor.principal_id,
    )
    try:
        with session.begin_nested():
            session.add(album)
    except IntegrityError:
        found = find(session, scope, kind, external_id)
        if found is None:
            raise
        return found
    return album


def find(
    session: Session, scope: Scope, kind: AlbumKind, external_id: str | None = None
) -> Album | None:
    query = select(Album).where(
        Album.space_id == scope.space_id, Album.kind == kind, Album.deleted_at.is_(None)
    )
    if external_id is None:
        query = query.where(Album.external_id.is_(None)).order_by(Album.id).limit(1)
    else:
        query = query.where(Album.external_id == external_id)
    return session.scalar(query)


def create(
    session: Session, scope: Scope, kind: AlbumKind, *, name: str, private: bool = False
) -> Album:
    """A new named album (e.g. a Procore image category), placed after the existing ones."""
    if not name.strip():
        raise Invalid("name must not be empty", field="name")
    last = session.scalar(
        select(func.max(Album.position)).where(Album.space_id == scope.space_id, Album.kind == kind)
    )
    rules = POLICIES[kind]
    album = Album(
        space_id=scope.space_id,
        kind=kind,
        name=name,
        private=private,
        position=(last or 0) + 1,
        dedupe=rules.dedupe,
        max_images=rules.max_images,
        single_slot=rules.single_slot,
        owner_id=scope.actor.principal_id,
    )
    session.add(album)
    session.flush()
    return album


def get(session: Session, scope: Scope, album_id: int, kind: AlbumKind | None = None) -> Album:
    album = session.get(Album, album_id)
    if (
        album is None
        or album.space_id != scope.space_id
        or album.deleted_at is not None
        or (kind is not None and album.kind != kind)
    ):
        raise NotFound("album", album_id)
    return album


def list_albums(session: Session, scope: Scope, kind: AlbumKind) -> list[Album]:
    return list(
        session.scalars(
            select(Album)
            .where(Album.space_id == scope.space_id, Album.kind == kind, Album.deleted_at.is_(None))
            .order_by(Album.position, Album.id)
        )
    )


def count_images(session: Session, album: Album) -> int:
    return (
        session.scalar(
            select(func.count(Image.id)).where(
                Image.album_id == album.id, Image.deleted_at.is_(None)
            )
        )
        or 0
    )


def delete(session: Session, scope: Scope, album: Album) -> None:
    """Remove the album; its images go to the trash (restorable into the unclassified album)."""
    if album.space_id != scope.space_id:
        raise NotFound("album", album.id)
    now = utcnow()
    session.execute(
        update(Image)
        .where(Image.album_id == album.id, Image.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now)
    )
    album.deleted_at = now


def change(
    session: Session,
    scope: Scope,
    album: Album,
    *,
    name: str | Unset = UNSET,
    private: bool | Unset = UNSET,
    cover_image_id: int | Unset | None = UNSET,
) -> Album:
    """Rename an album, change its private flag or its cover (a live image of the same space)."""
    album = get(session, scope, album.id)
    if not isinstance(name, Unset):
        if not name.strip():
            raise Invalid("name must not be empty", field="name")
        album.name = name
    if not isinstance(private, Unset):
        album.private = private
    if not isinstance(cover_image_id, Unset):
        album.cover_image_id = _checked_cover(session, scope, cover_image_id)
    album.updated_at = utcnow()
    session.flush()
    return album


def _checked_cover(session: Session, scope: Scope, image_id: int | None) -> int | None:
    if image_id is None:
        return None
    image = session.get(Image, image_id)
    if image is None or image.space_id != scope.space_id or image.deleted_at is not None:
        raise Invalid(f"unknown cover image {image_id}", field="album_cover_id")
    return image_id


def counts(session: Session, album_ids: Sequence[int]) -> dict[int, int]:
    """The number of live images in each of ``album_ids`` (0 for empty albums), in one query."""
    if not album_ids:
        return {}
    rows = session.execute(
        select(Image.album_id, func.count(Image.id))
        .where(Image.album_id.in_(album_ids), Image.deleted_at.is_(None))
        .group_by(Image.album_id)
    ).all()
    found = {album_id: count for album_id, count in rows}
    return {album_id: found.get(album_id, 0) for album_id in album_ids}
