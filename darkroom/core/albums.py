"""Albums: ordered collections in a space. Each keeps its policy (dedupe, size, single slot, byte
cap, formats, visibility to guests) in its row, so such rules are album properties, not door code.

A private album is seen by its owner (who made it) and the space's managers only; it is changed
or deleted by its owner and managers (``may_change``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darkroom.clock import utcnow
from darkroom.core.access import Scope, SpaceRole
from darkroom.core.liveness import live_rows
from darkroom.core.policy import AlbumType
from darkroom.core.query import ImageQuery, list_images
from darkroom.core.records import (
    AlbumPage,
    AlbumRecord,
    AlbumSummary,
    ImageRecord,
    album_record,
    image_records,
)
from darkroom.core.runtime import Runtime
from darkroom.core.unset import UNSET, Unset
from darkroom.db.models import Album, Image
from darkroom.errors import Forbidden, Invalid, NotFound

# The external id of the one album of its type in a space. Not NULL: a unique constraint lets any
# number of NULLs through on PostgreSQL, so concurrent first uploads each made "the" album.
ONLY = ""


def ensure(
    session: Session,
    scope: Scope,
    album_type: AlbumType,
    external_id: str | None = None,
    *,
    name: str = "",
) -> Album:
    """The album of ``album_type`` (and ``external_id``) in the scope's space, made on first use
    with the type's policy. Safe under concurrent first uses: one album is made, the others find it.
    """
    found = find(session, scope, album_type.kind, external_id)
    if found is not None:
        return found
    album = Album(
        space_id=scope.space_id,
        external_id=ONLY if external_id is None else external_id,
        name=name,
        owner_id=scope.actor.principal_id,
        **album_type.columns(),
    )
    try:
        with session.begin_nested():
            session.add(album)
    except IntegrityError:
        found = find(session, scope, album_type.kind, external_id)
        if found is None:
            raise
        return found
    return album


def find(session: Session, scope: Scope, kind: str, external_id: str | None = None) -> Album | None:
    query = select(Album).where(
        Album.space_id == scope.space_id, Album.kind == kind, Album.deleted_at.is_(None)
    )
    return session.scalar(
        query.where(Album.external_id == (ONLY if external_id is None else external_id))
    )


def create(
    session: Session, scope: Scope, album_type: AlbumType, *, name: str, private: bool = False
) -> Album:
    """A new named album (one a user makes, not one a door keeps), placed after the others."""
    if not name.strip():
        raise Invalid("name must not be empty", field="name")
    last = session.scalar(
        select(func.max(Album.position)).where(
            Album.space_id == scope.space_id, Album.kind == album_type.kind
        )
    )
    album = Album(
        space_id=scope.space_id,
        name=name,
        private=private,
        position=(last or 0) + 1,
        owner_id=scope.actor.principal_id,
        **album_type.columns(),
    )
    session.add(album)
    session.flush()
    return album


def visible(scope: Scope, album: Album) -> bool:
    """Whether the actor sees ``album``: it is not private, or theirs, or they manage the space."""
    return not album.private or scope.manages or scope.owns(album.owner_id)


def may_change(scope: Scope, album: Album) -> bool:
    """Whether the actor renames, re-covers, changes the privacy of or deletes ``album``: its
    owner (unless a viewer) and the space's managers."""
    return scope.manages or (scope.role is not SpaceRole.VIEWER and scope.owns(album.owner_id))


def get(session: Session, scope: Scope, album_id: int, kind: str | None = None) -> Album:
    album = session.get(Album, album_id)
    if (
        album is None
        or album.space_id != scope.space_id
        or album.deleted_at is not None
        or (kind is not None and album.kind != kind)
        or not visible(scope, album)
    ):
        raise NotFound("album", album_id)
    return album


def _changeable(session: Session, scope: Scope, album_id: int, kind: str | None = None) -> Album:
    album = get(session, scope, album_id, kind)
    if not may_change(scope, album):
        raise Forbidden(f"only its owner or a manager may change album {album_id}")
    return album


def list_albums(session: Session, scope: Scope, kind: str) -> list[Album]:
    """The scope's live albums of ``kind`` the actor sees, in display order."""
    stmt = select(Album).where(
        Album.space_id == scope.space_id, Album.kind == kind, Album.deleted_at.is_(None)
    )
    if not scope.manages:
        stmt = stmt.where(or_(Album.private.is_(False), _owned_by(Album.owner_id, scope)))
    return list(session.scalars(stmt.order_by(Album.position, Album.id)))


def _owned_by(column: Any, scope: Scope) -> Any:
    principal = scope.actor.principal_id
    return column == principal if principal is not None else false()


def count_images(session: Session, album: Album) -> int:
    return (
        session.scalar(select(func.count(Image.id)).where(Image.album_id == album.id, live_rows()))
        or 0
    )


def delete(
    session: Session, scope: Scope, album: Album, *, spare_into: Album | None = None
) -> None:
    """Remove the album; its images go to the trash (restorable into the unclassified album).

    Only its owner and managers delete it. A manager's delete trashes every image in it; an
    owner who is not a manager trashes only the images they may change (their own): everyone
    else's, private ones included, move to ``spare_into``. Without one, such an album is
    Forbidden to its non-manager owner, and nothing changes.
    """
    if album.space_id != scope.space_id:
        raise NotFound("album", album.id)
    if not may_change(scope, album):
        raise Forbidden(f"only its owner or a manager may delete album {album.id}")
    now = utcnow()
    live = (Image.album_id == album.id, Image.deleted_at.is_(None))
    if not scope.manages:
        others = list(
            session.scalars(
                select(Image)
                .where(
                    *live,
                    or_(Image.uploader_id.is_(None), ~_owned_by(Image.uploader_id, scope)),
                )
                .order_by(Image.position, Image.id)
            )
        )
        if others and spare_into is None:
            raise Forbidden(f"album {album.id} holds images of others; a manager may delete it")
        if spare_into is not None:
            _spare(session, others, spare_into)
    session.execute(update(Image).where(*live).values(deleted_at=now, updated_at=now))
    album.deleted_at = now
    if album.external_id is not None:
        album.external_id = None  # its name (or ONLY) is free for a new album of the type


def _spare(session: Session, kept: Sequence[Image], into: Album) -> None:
    """Move ``kept`` to the end of ``into``, in their order (the album's dedupe no longer
    applies to them: they are not uploads to it)."""
    last = session.scalar(select(func.max(Image.position)).where(Image.album_id == into.id))
    for offset, image in enumerate(kept, start=1):
        image.album_id = into.id
        image.position = (last or 0) + offset
        image.dedupe_sha256 = None
    session.flush()


def change(
    session: Session,
    scope: Scope,
    album: Album,
    *,
    name: str | Unset = UNSET,
    private: bool | Unset = UNSET,
    cover_image_id: int | Unset | None = UNSET,
) -> Album:
    """Rename an album, change its private flag or its cover (a live image of the same space);
    its owner and managers only."""
    album = _changeable(session, scope, album.id)
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
    if (
        image is None
        or image.space_id != scope.space_id
        or image.deleted_at is not None
        or (image.private and not (scope.manages or scope.owns(image.uploader_id)))
    ):
        raise Invalid(f"unknown cover image {image_id}", field="album_cover_id")
    return image_id


def counts(
    session: Session, album_ids: Sequence[int], scope: Scope | None = None
) -> dict[int, int]:
    """The number of live images in each of ``album_ids`` (0 for empty albums), in one query;
    with a ``scope``, only those its actor may see (others' private images are not counted)."""
    if not album_ids:
        return {}
    stmt = select(Image.album_id, func.count(Image.id)).where(
        Image.album_id.in_(album_ids), live_rows()
    )
    if scope is not None and not scope.manages:
        stmt = stmt.where(or_(Image.private.is_(False), _owned_by(Image.uploader_id, scope)))
    rows = session.execute(stmt.group_by(Image.album_id)).all()
    found = {album_id: count for album_id, count in rows}
    return {album_id: found.get(album_id, 0) for album_id in album_ids}


# --- what doors call: each opens its own transaction and answers with records ----------------


def provide(
    rt: Runtime, scope: Scope, album_type: AlbumType, external_id: str | None = None
) -> AlbumRecord:
    """The scope's album of ``album_type`` (and ``external_id``), made with the type's policy on
    first use. It writes, so call it on writes only: before that first write, the space simply
    holds no images, and a read lists nothing without making the album."""
    with rt.transaction() as session:
        return album_record(ensure(session, scope, album_type, external_id))


def summaries(
    rt: Runtime, scope: Scope, kind: str, *, offset: int = 0, limit: int | None = None
) -> AlbumPage:
    """A page of the scope's live albums of ``kind`` in display order, with counts and covers."""
    with rt.reading() as session:
        every = list_albums(session, scope, kind)
        end = None if limit is None else offset + limit
        return AlbumPage(items=_summaries(session, scope, every[offset:end]), total=len(every))


def summary(rt: Runtime, scope: Scope, album_id: int, *, kind: str) -> AlbumSummary:
    """The live album ``album_id`` of ``kind`` in the scope (NotFound otherwise)."""
    with rt.reading() as session:
        return _summaries(session, scope, [get(session, scope, album_id, kind)])[0]


def add(
    rt: Runtime,
    scope: Scope,
    album_type: AlbumType,
    *,
    name: str,
    private: bool = False,
    cover_image_id: int | None = None,
) -> AlbumSummary:
    """A new named album of ``album_type``, after the existing ones (``create``)."""
    with rt.transaction() as session:
        album = create(session, scope, album_type, name=name, private=private)
        if cover_image_id is not None:
            album = change(session, scope, album, cover_image_id=cover_image_id)
        return _summaries(session, scope, [album])[0]


def revise(
    rt: Runtime,
    scope: Scope,
    album_id: int,
    *,
    kind: str,
    name: str | Unset = UNSET,
    private: bool | Unset = UNSET,
    cover_image_id: int | Unset | None = UNSET,
) -> AlbumSummary:
    """``change`` the live album ``album_id`` of ``kind``."""
    with rt.transaction() as session:
        album = get(session, scope, album_id, kind)
        album = change(
            session, scope, album, name=name, private=private, cover_image_id=cover_image_id
        )
        return _summaries(session, scope, [album])[0]


def remove(
    rt: Runtime,
    scope: Scope,
    album_id: int,
    *,
    kind: str,
    spare_into: AlbumType | None = None,
    spare_name: str = "",
) -> None:
    """``delete`` the live album ``album_id`` of ``kind``; its images go to the trash, but for
    those the actor may not change, which go to the scope's album of ``spare_into`` (made on
    first use, named ``spare_name``)."""
    with rt.transaction() as session:
        album = _changeable(session, scope, album_id, kind)
        spare = None
        if spare_into is not None and not scope.manages:
            spare = ensure(session, scope, spare_into, name=spare_name)
        delete(session, scope, album, spare_into=spare)


def _summaries(session: Session, scope: Scope, rows: Sequence[Album]) -> tuple[AlbumSummary, ...]:
    """``rows`` with their counts and covers, in a few queries whatever their number."""
    numbers = counts(session, [album.id for album in rows], scope)
    cover_ids = [album.cover_image_id for album in rows if album.cover_image_id is not None]
    covers: dict[int, ImageRecord] = {}
    if cover_ids:  # a cover the actor may see: live, unexpired, not someone else's private one
        page = list_images(session, scope, ImageQuery(ids=cover_ids, limit=len(cover_ids)))
        covers = {image.id: image for image in image_records(session, page.items)}
    return tuple(
        AlbumSummary(
            album=album_record(album),
            count=numbers[album.id],
            cover=covers.get(album.cover_image_id) if album.cover_image_id is not None else None,
        )
        for album in rows
    )


def summaries_of(session: Session, scope: Scope, rows: Sequence[Album]) -> tuple[AlbumSummary, ...]:
    """``rows`` (albums of the scope already checked) with their counts and covers."""
    return _summaries(session, scope, rows)
