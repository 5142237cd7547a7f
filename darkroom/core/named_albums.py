"""Albums named by an outside id: albums of a user's personal space that stand for an entity of
another system, their ``external_id`` being that entity's id.

- The id names one album of its kind across all spaces (clients name the entity by its id alone).
- The album echoes what the other system says of the entity in its extras; some of those may be
  required to be unique among the owner's albums of the kind (``create(unique=...)``).
- Provisioning (the CLI, the admin endpoint) creates and deletes them, as system work; the image
  APIs only find them.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete as delete_rows
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darkroom.core import albums, images, personal, spaces
from darkroom.core.access import PERSONAL_SPACE
from darkroom.core.policy import AlbumType
from darkroom.core.records import AlbumRecord, PrincipalRecord, album_record, principal_record
from darkroom.core.runtime import Runtime
from darkroom.core.values import INT64_MAX
from darkroom.db.models import Album, Image, Principal, Space
from darkroom.errors import Conflict, Invalid, NotFound

MAX_NAME = 255  # the width of albums.name
MAX_EXTERNAL_ID = 128  # the width of albums.external_id
TAKEN_ID = "external_id"  # Conflict.details["taken"] when the id names another album


@dataclass(frozen=True)
class NamedAlbum:
    """An album named by an outside id, its owner and how many live images it holds."""

    album: AlbumRecord
    owner: PrincipalRecord
    image_count: int

    @property
    def external_id(self) -> str:
        return self.album.external_id or ""


def find(rt: Runtime, kind: str, external_id: str) -> NamedAlbum | None:
    """The album of ``kind`` named ``external_id``, whoever owns it. Reads only."""
    with rt.reading() as session:
        album = _album(session, kind, external_id)
        return _named(session, album) if album is not None else None


def find_by_extra(rt: Runtime, owner: int, kind: str, key: str, value: Any) -> NamedAlbum | None:
    """User ``owner``'s album of ``kind`` whose extras hold ``key: value``. Reads only."""
    with rt.reading() as session:
        album = _by_extra(session, owner, kind, key, value)
        return _named(session, album) if album is not None else None


def create(
    rt: Runtime,
    owner: int,
    album_type: AlbumType,
    external_id: str | None = None,
    *,
    name: str = "",
    extras: Mapping[str, Any] | None = None,
    unique: Collection[str] = (),
) -> NamedAlbum:
    """A new album of ``album_type`` in user ``owner``'s personal space, named ``external_id``
    (generated when not given) and echoing ``extras``.

    Invalid for a malformed id or name; NotFound("user") for an unknown owner; Conflict (with
    ``details["taken"]`` the id or the extras key) when the id names an album of the kind already,
    or another of the owner's albums of the kind has the same value for a key of ``unique``.
    """
    if len(name) > MAX_NAME:
        raise Invalid(f"a name is at most {MAX_NAME} characters", field="name")
    echoed = dict(extras or {})
    with rt.transaction() as session:
        principal = session.get(Principal, owner)
        if principal is None:
            raise NotFound("user", owner)
        kind = album_type.kind
        number = _checked_id(external_id) if external_id is not None else _new_id(session, kind)
        if _album(session, kind, number) is not None:
            raise Conflict(f"{kind} {number} already exists", taken=TAKEN_ID)
        for key in unique:
            if key in echoed and _by_extra(session, owner, kind, key, echoed[key]):
                raise Conflict(f"{key} {echoed[key]!r} is taken for this user", taken=key)
        scope = personal.system_scope(session, personal.space_of(session, owner))
        try:
            album = albums.ensure(session, scope, album_type, number, name=name)
        except IntegrityError:  # made at the same moment for another owner
            raise Conflict(f"{kind} {number} already exists", taken=TAKEN_ID) from None
        album.extras = {**album.extras, **echoed}
        session.flush()
        return NamedAlbum(album_record(album), principal_record(principal), 0)


def list_for(rt: Runtime, owner: int, kind: str) -> tuple[NamedAlbum, ...]:
    """User ``owner``'s albums of ``kind``, oldest first. Reads only."""
    with rt.reading() as session:
        principal = session.get(Principal, owner)
        space = spaces.find(session, PERSONAL_SPACE, str(owner))
        if principal is None or space is None:
            return ()
        found = session.scalars(
            select(Album)
            .where(Album.space_id == space.id, Album.kind == kind, Album.deleted_at.is_(None))
            .order_by(Album.position, Album.id)
        ).all()
        counts = albums.counts(session, [album.id for album in found])
        user = principal_record(principal)
        return tuple(NamedAlbum(album_record(a), user, counts[a.id]) for a in found)


def delete(rt: Runtime, owner: int, kind: str, external_id: str) -> bool:
    """Remove user ``owner``'s album of ``kind`` named ``external_id`` and its images for good;
    the id may then name a new album. False when the owner has no such album."""
    with rt.reading() as session:
        album = _album(session, kind, external_id)
        space = spaces.find(session, PERSONAL_SPACE, str(owner))
        if album is None or space is None or album.space_id != space.id:
            return False
        scope = personal.system_scope(session, space)
        album_id = album.id
        image_ids = list(session.scalars(select(Image.id).where(Image.album_id == album_id)))
    for image_id in image_ids:
        images.purge(rt, scope, image_id)
    with rt.transaction() as session:
        session.execute(delete_rows(Album).where(Album.id == album_id))
    return True


def _album(session: Session, kind: str, external_id: str) -> Album | None:
    return session.scalar(
        select(Album).where(
            Album.kind == kind, Album.external_id == external_id, Album.deleted_at.is_(None)
        )
    )


def _by_extra(session: Session, owner: int, kind: str, key: str, value: Any) -> Album | None:
    # An owner has a handful of such albums, and extras are echoed data, not columns, so they
    # are compared here rather than queried.
    space = spaces.find(session, PERSONAL_SPACE, str(owner))
    if space is None:
        return None
    found = session.scalars(
        select(Album).where(
            Album.space_id == space.id, Album.kind == kind, Album.deleted_at.is_(None)
        )
    )
    return next((album for album in found if album.extras.get(key) == value), None)


def _named(session: Session, album: Album) -> NamedAlbum:
    owner = personal.owner_id(session.get_one(Space, album.space_id))
    principal = session.get(Principal, owner) if owner is not None else None
    if principal is None:
        raise NotFound("user", album.space_id)
    count = albums.count_images(session, album)
    return NamedAlbum(album_record(album), principal_record(principal), count)


def _checked_id(text: str) -> str:
    value = text.strip()
    if not value or len(value) > MAX_EXTERNAL_ID or not value.isprintable():
        raise Invalid(f"an id is 1-{MAX_EXTERNAL_ID} printable characters", field="id")
    return value


def _new_id(session: Session, kind: str) -> str:
    # A large random number, like the ids of the systems such albums stand for: never a small
    # counter another system might also use.
    while True:
        candidate = str(secrets.randbelow(INT64_MAX - 10**15) + 10**15)
        if _album(session, kind, candidate) is None:
            return candidate
