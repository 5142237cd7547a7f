"""Albums: ordered collections in a space. Their kind fixes how they behave (dedupe, size, slots),
so rules like "the contact-info image replaces the old one" are album properties, not door hacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darkroom.core.access import Scope
from darkroom.core.clock import utcnow
from darkroom.core.errors import Invalid, NotFound
from darkroom.core.models import Album, Image


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
