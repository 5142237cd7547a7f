"""What one user may see across every space: the spaces, their albums, and their images found by
filters and paged by keyset, for darkroom's own API (and its gallery).

The vendor doors each look into one tenant at a time; this module looks into all the spaces an
actor may enter at once, with the same rules (``core.access`` for spaces, ``images.visible`` and
``albums.visible`` for what is inside them), written as one query condition so a page costs one
query whatever the number of spaces. Pages are keyset pages: the sort key and id of the last
image, so images added or removed meanwhile never shift the next page.

Space references are ``kind:external_id`` (``spaces.parse_ref`` is the CLI's form of the same).
Other users' personal spaces are entered as their managers only: the vendor doors' guest-visible
albums stay the vendor doors' business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true, type_coerce
from sqlalchemy.orm import Session

from darkroom.core import access, albums, duplicates, images, personal, spaces
from darkroom.core.access import GUESTS, PERSONAL_SPACE, Actor, Scope, SpaceRole
from darkroom.core.liveness import live_rows, unexpired_rows
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.query import contains
from darkroom.core.records import (
    UNBORN,
    AlbumRecord,
    AlbumSummary,
    ImageRecord,
    PrincipalRecord,
    image_records,
    principal_record,
)
from darkroom.core.runtime import Runtime
from darkroom.core.temporary import TEMPORARY_ALBUM
from darkroom.core.values import parse_id
from darkroom.db.models import Album, Blob, Grant, Image, Location, Principal, Space, UTCDateTime
from darkroom.errors import Forbidden, Invalid, NotFound, Unauthorized
from darkroom.media import ImageFormat

# Others' personal spaces are entered by those who manage them only (``access.enter_personal``
# with a policy no guest may see).
_MANAGED_ONLY = AlbumPolicy(visible_to_guests=False)
MAX_DEPTH = 8  # how deep spaces nest below a granted one (``spaces.ancestors`` stops there too)


@dataclass(frozen=True)
class SpaceView:
    """A space as a caller sees it: its reference, stored name, the caller's role in it, its
    parent's reference, and whose personal space it is (``owner_name``; ``mine`` for the
    caller's own)."""

    id: int  # UNBORN for the caller's own personal space before its first write
    kind: str
    external_id: str
    name: str
    role: SpaceRole
    parent: str | None
    mine: bool = False
    owner_name: str | None = None

    @property
    def ref(self) -> str:
        return ref_of(self.kind, self.external_id)


def ref_of(kind: str, external_id: str) -> str:
    return f"{kind}:{external_id}"


def parse_space(text: str) -> tuple[str, str]:
    """``"procore-project:10"`` → ("procore-project", "10"); Invalid("space") if malformed."""
    kind, sep, external_id = text.partition(":")
    if not sep or not kind or not external_id or len(external_id) > spaces.MAX_EXTERNAL_ID:
        raise Invalid("a space looks like KIND:ID, e.g. personal:7", field="space")
    return kind, external_id


def visible_spaces(rt: Runtime, actor: Actor) -> tuple[SpaceView, ...]:
    """Every space ``actor`` may enter: their own personal space first (even unborn), then the
    spaces they hold grants on and those below them (all of them, for admins), by kind and id.
    Others' personal spaces only where the actor manages them. Reads only."""
    me = _require_user(actor)
    with rt.reading() as session:
        own = spaces.find(session, PERSONAL_SPACE, str(me))
        views = [
            SpaceView(
                id=own.id if own is not None else UNBORN,
                kind=PERSONAL_SPACE,
                external_id=str(me),
                name=own.name if own is not None else "",
                role=SpaceRole.MANAGER,
                parent=None,
                mine=True,
            )
        ]
        found = _entered_spaces(session, actor)
        by_id = {space.id: space for space in found}
        others = sorted(
            (s for s in found if own is None or s.id != own.id),
            key=lambda s: (s.kind, s.external_id),
        )
        for space in others:
            role = access.ADMIN_ROLE if actor.is_admin else access.role_in(session, actor, space)
            if role is None or (space.kind == PERSONAL_SPACE and role is not SpaceRole.MANAGER):
                continue
            views.append(_view(session, space, role, by_id))
        return tuple(views)


def _entered_spaces(session: Session, actor: Actor) -> list[Space]:
    if actor.is_admin:
        return list(session.scalars(select(Space)))
    granted = list(
        session.scalars(
            select(Space)
            .join(Grant, Grant.space_id == Space.id)
            .where(Grant.principal_id == actor.principal_id)
        )
    )
    found = {space.id: space for space in granted}
    level = list(found)
    for _ in range(MAX_DEPTH):
        if not level:
            break
        children = list(session.scalars(select(Space).where(Space.parent_id.in_(level))))
        level = [child.id for child in children if child.id not in found]
        found.update({child.id: child for child in children})
    return list(found.values())


def _view(session: Session, space: Space, role: SpaceRole, by_id: dict[int, Space]) -> SpaceView:
    parent = None
    if space.parent_id is not None:
        row = by_id.get(space.parent_id) or session.get(Space, space.parent_id)
        parent = ref_of(row.kind, row.external_id) if row is not None else None
    owner_name = None
    if space.kind == PERSONAL_SPACE:
        owner = personal.owner_id(space)
        principal = session.get(Principal, owner) if owner is not None else None
        owner_name = principal.name if principal is not None else None
    return SpaceView(
        id=space.id,
        kind=space.kind,
        external_id=space.external_id,
        name=space.name,
        role=role,
        parent=parent,
        owner_name=owner_name,
    )


def enter(rt: Runtime, actor: Actor, ref: str, *, write: bool) -> Scope:
    """The scope of space ``ref`` for ``actor``: a personal space as its manager (its owner,
    admins, holders of a manager grant; the caller's own is made on a write), a tenant space by
    its grants (``access.enter_in``; never made here). NotFound for unknown spaces."""
    _require_user(actor)
    kind, external_id = parse_space(ref)
    if kind == PERSONAL_SPACE:
        if external_id == GUESTS:
            scope = access.enter_guests(rt, actor, write=write)
            if not scope.manages:
                raise NotFound("space", ref)
            return scope
        owner = parse_id(external_id)
        if owner is None:
            raise NotFound("space", ref)
        try:
            return access.enter_personal(rt, actor, owner, _MANAGED_ONLY, write=write)
        except NotFound:
            raise NotFound("space", ref) from None
    with rt.transaction() if write else rt.reading() as session:
        if spaces.find(session, kind, external_id) is None:
            raise NotFound("space", ref)
        return access.enter_in(session, actor, kind, external_id, write=write)


def _require_user(actor: Actor) -> int:
    if actor.principal_id is None:
        raise Unauthorized("log in first")
    return actor.principal_id


def _space_ref(session: Session, space_id: int) -> str:
    space = session.get_one(Space, space_id)
    return ref_of(space.kind, space.external_id)


def _enter_holding(rt: Runtime, actor: Actor, space_ref: str, what: str, key: int) -> Scope:
    """The read scope of the space holding ``what`` ``key``: NotFound(what) when the actor may
    not even read there (nothing said of the space). Callers check the thing is visible in it
    before they enter for a write, whose refusal (Forbidden) then tells nothing new."""
    try:
        return enter(rt, actor, space_ref, write=False)
    except (NotFound, Forbidden):
        raise NotFound(what, key) from None


# --- albums --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlbumView:
    """An album with the live images the actor sees in it and its cover (the album's own, else
    its first image)."""

    album: AlbumRecord
    space: str
    count: int
    cover: ImageRecord | None


def album_scope(rt: Runtime, actor: Actor, album_id: int, *, write: bool) -> Scope:
    """The scope of the space holding album ``album_id``, if the actor sees the album."""
    _require_user(actor)
    with rt.reading() as session:
        album = session.get(Album, album_id)
        if album is None or album.deleted_at is not None or album.kind == TEMPORARY_ALBUM:
            raise NotFound("album", album_id)
        ref = _space_ref(session, album.space_id)
    scope = _enter_holding(rt, actor, ref, "album", album_id)
    with rt.reading() as session:
        albums.get(session, scope, album_id)  # private albums: their owner and managers
    return enter(rt, actor, ref, write=True) if write else scope


def albums_of(rt: Runtime, scope: Scope) -> tuple[AlbumView, ...]:
    """The live albums of the scope's space the actor sees (not temporary-upload ones), in
    display order, with counts and covers. Reads only."""
    with rt.reading() as session:
        stmt = select(Album).where(
            Album.space_id == scope.space_id,
            Album.deleted_at.is_(None),
            Album.kind != TEMPORARY_ALBUM,
        )
        if not scope.manages:
            stmt = stmt.where(or_(Album.private.is_(False), _is_me(Album.owner_id, scope.actor)))
        rows = list(session.scalars(stmt.order_by(Album.position, Album.id)))
        ref = _space_ref(session, scope.space_id) if rows else ""
        return tuple(
            _album_view(session, scope, summary, ref)
            for summary in albums.summaries_of(session, scope, rows)
        )


def album_view(rt: Runtime, scope: Scope, album_id: int) -> AlbumView:
    """The album ``album_id`` of the scope as ``albums_of`` shows it."""
    with rt.reading() as session:
        album = albums.get(session, scope, album_id)
        summary = albums.summaries_of(session, scope, [album])[0]
        return _album_view(session, scope, summary, _space_ref(session, scope.space_id))


def create_album(
    rt: Runtime, scope: Scope, album_type: AlbumType, *, name: str, private: bool = False
) -> AlbumView:
    """A new album of ``album_type`` in the scope's space (members and managers)."""
    if scope.role is SpaceRole.VIEWER:
        raise Forbidden("viewers may only read")
    summary = albums.add(rt, scope, album_type, name=name.strip(), private=private)
    return album_view(rt, scope, summary.album.id)


def _album_view(session: Session, scope: Scope, summary: AlbumSummary, ref: str) -> AlbumView:
    cover = summary.cover
    if cover is None and summary.count:
        first = session.scalar(
            select(Image)
            .join(Album, Album.id == Image.album_id)
            .where(
                Image.album_id == summary.album.id,
                live_rows(),
                _image_visible(scope.manages, scope.actor),
            )
            .order_by(Image.position, Image.id)
            .limit(1)
        )
        cover = image_records(session, [first])[0] if first is not None else None
    return AlbumView(album=summary.album, space=ref, count=summary.count, cover=cover)


# --- images --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """An image the actor sees, its space's reference, and whether they see its GPS position
    (its uploader and the space's managers, as for private images)."""

    image: ImageRecord
    space: str
    sees_gps: bool

    @property
    def trashed(self) -> bool:
        return self.image.deleted_at is not None


def image_scope(rt: Runtime, actor: Actor, image_id: int, *, write: bool) -> Scope:
    """The scope of the space holding image ``image_id`` (NotFound if the actor may not read
    there; whether they see the image itself, ``images.get`` says)."""
    _require_user(actor)
    with rt.reading() as session:
        row = session.get(Image, image_id)
        if row is None:
            raise NotFound("image", image_id)
        ref = _space_ref(session, row.space_id)
    scope = _enter_holding(rt, actor, ref, "image", image_id)
    with rt.reading() as session:
        row = session.get(Image, image_id)
        if row is None or not images.visible(scope, row):
            raise NotFound("image", image_id)  # others' private images: as if there were none
    return enter(rt, actor, ref, write=True) if write else scope


def find_image(rt: Runtime, actor: Actor, image_id: int) -> Found:
    """The image ``image_id``, live or in the trash, if ``actor`` sees it. Reads only."""
    scope = image_scope(rt, actor, image_id, write=False)
    with rt.reading() as session:
        row = session.get(Image, image_id)
        trashed = row is not None and row.deleted_at is not None
        image = images.get(session, scope, image_id, deleted=trashed)
        return _found(
            scope, image_records(session, [image])[0], _space_ref(session, image.space_id)
        )


MAX_SIMILAR = 100
"""The most similar images one answer lists."""


def similar_images(
    rt: Runtime, actor: Actor, image_id: int, *, distance: int = duplicates.NEAR_DISTANCE
) -> list[tuple[Found, int]]:
    """The live images of image ``image_id``'s space that show the same picture (perceptual
    hashes at most ``distance`` bits apart) and that ``actor`` sees, nearest first, with how
    many bits apart they are. The image itself is left out; it must be live."""
    scope = image_scope(rt, actor, image_id, write=False)
    with rt.reading() as session:
        image = images.get(session, scope, image_id)
        wanted = session.get_one(Blob, image.blob_sha256).perceptual_hash
        if wanted is None:  # not backfilled yet
            return []
        hits = duplicates.near(session, image.space_id, wanted, distance=distance)
        rows = {
            row.id: row
            for row in session.scalars(select(Image).where(Image.id.in_([hit for hit, _ in hits])))
        }
        seen = [
            (rows[hit], apart)
            for hit, apart in hits
            if hit != image_id and images.visible(scope, rows[hit])
        ][:MAX_SIMILAR]
        records = image_records(session, [row for row, _ in seen])
        ref = _space_ref(session, image.space_id)
        return [
            (_found(scope, record, ref), apart)
            for record, (_, apart) in zip(records, seen, strict=True)
        ]


def changeable_image(rt: Runtime, actor: Actor, image_id: int) -> tuple[Scope, ImageRecord]:
    """The live image ``image_id`` and a write scope, if ``actor`` may change it (its uploader,
    the space's managers): for operations core leaves to the door's judgement (share links)."""
    scope = image_scope(rt, actor, image_id, write=True)
    with rt.reading() as session:
        image = images.get(session, scope, image_id)
        if not images.may_change(scope, image):
            raise Forbidden(f"only its uploader or a manager may share image {image_id}")
        return scope, image_records(session, [image])[0]


def found_in(rt: Runtime, scope: Scope, image: ImageRecord) -> Found:
    """``image`` (just read or changed through ``scope``) as ``find_image`` answers it."""
    with rt.reading() as session:
        return _found(scope, image, _space_ref(session, image.space_id))


def _found(scope: Scope, image: ImageRecord, ref: str) -> Found:
    return Found(image=image, space=ref, sees_gps=scope.manages or scope.owns(image.uploader_id))


class Sort(StrEnum):
    """The orders of an image list; a leading ``-`` is newest (or last) first."""

    NEWEST = "-uploaded"
    OLDEST = "uploaded"
    TAKEN_LATEST = "-taken"
    TAKEN_EARLIEST = "taken"
    NAME = "name"
    POSITION = "position"

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


@dataclass(frozen=True)
class Span:
    """A time range, ``start`` inclusive, ``end`` exclusive (either open)."""

    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Filters:
    """What an image list is narrowed to; None keeps every value."""

    space: str | None = None
    album: int | None = None
    words: tuple[str, ...] = ()
    taken: Span = Span()
    uploaded: Span = Span()
    formats: frozenset[ImageFormat] | None = None
    starred: bool | None = None
    private: bool | None = None
    trashed: bool = False


Key = tuple[Any, ...]  # the sort values of an image, its id last


@dataclass(frozen=True)
class Page:
    """Images in order and the key after which the next page starts (None: the last page)."""

    items: tuple[Found, ...]
    last: Key | None


KEY_TYPES: dict[Sort, tuple[type, ...]] = {  # what a cursor's key holds, per sort
    Sort.NEWEST: (datetime, int),
    Sort.OLDEST: (datetime, int),
    Sort.TAKEN_LATEST: (datetime, int),
    Sort.TAKEN_EARLIEST: (datetime, int),
    Sort.NAME: (str, int),
    Sort.POSITION: (int, int, int),
}


def list_images(
    rt: Runtime, actor: Actor, filters: Filters, sort: Sort, *, after: Key | None, limit: int
) -> Page:
    """Up to ``limit`` images ``actor`` sees that match ``filters``, in ``sort`` order, after the
    image whose key is ``after``. Reads only."""
    me = _require_user(actor)
    if after is not None and tuple(type(v) for v in after) != KEY_TYPES[sort]:
        raise Invalid("the cursor does not fit this sort", field="cursor")
    where = _where_seen(rt, actor, filters)
    if where is None:
        return Page(items=(), last=None)
    seen, manages = where
    columns = _sort_columns(sort)
    with rt.reading() as session:
        stmt = (
            select(Image.id, *columns)
            .join(Album, Album.id == Image.album_id)
            .where(seen, *_matching(filters))
        )
        if filters.formats is not None:
            stmt = stmt.join(Blob, Blob.sha256 == Image.blob_sha256).where(
                Blob.format.in_(sorted(filters.formats))
            )
        if after is not None:
            stmt = stmt.where(_after(columns, after, descending=sort.descending))
        order = [c.desc() if sort.descending else c.asc() for c in columns]
        rows = session.execute(stmt.order_by(*order).limit(limit + 1)).all()
        page = rows[:limit]
        loaded = {
            row.id: row
            for row in session.scalars(select(Image).where(Image.id.in_([r[0] for r in page])))
        }
        records = image_records(session, [loaded[row[0]] for row in page])
        refs = {
            space_id: _space_ref(session, space_id) for space_id in {r.space_id for r in records}
        }
    items = tuple(
        Found(
            image=record,
            space=refs[record.space_id],
            sees_gps=manages(record.space_id) or record.uploader_id == me,
        )
        for record in records
    )
    last = tuple(page[-1][1:]) if len(rows) > limit else None
    return Page(items=items, last=last)


def _where_seen(
    rt: Runtime, actor: Actor, filters: Filters
) -> tuple[ColumnElement[bool], Callable[[int], bool]] | None:
    """The condition for the images ``actor`` sees in the spaces ``filters`` names (all they
    may enter, without one), and which of those spaces they manage; None when there are none."""
    if filters.album is not None:
        scope = album_scope(rt, actor, filters.album, write=False)
        if filters.space is not None and filters.space != _ref_of_scope(scope):
            return None
        managed = {scope.space_id: scope.manages}
    elif filters.space is not None:
        scope = enter(rt, actor, filters.space, write=False)
        managed = {scope.space_id: scope.manages}
    elif actor.is_admin:
        return true(), lambda _space_id: True  # admins manage every space: no list to build
    else:
        views = visible_spaces(rt, actor)
        managed = {v.id: v.role is SpaceRole.MANAGER for v in views if v.id != UNBORN}
    managed.pop(UNBORN, None)
    if not managed:
        return None
    ours = [space_id for space_id, manages in managed.items() if manages]
    theirs = [space_id for space_id, manages in managed.items() if not manages]
    seen = or_(
        Image.space_id.in_(ours) if ours else false(),
        and_(Image.space_id.in_(theirs), _image_visible(False, actor)) if theirs else false(),
    )
    if filters.album is not None:
        seen = and_(seen, Image.album_id == filters.album)
    return seen, lambda space_id: managed.get(space_id, False)


def _ref_of_scope(scope: Scope) -> str:
    return ref_of(scope.space.kind, scope.space.external_id)


def _is_me(column: Any, actor: Actor) -> ColumnElement[bool]:
    return column == actor.principal_id if actor.principal_id is not None else false()


def _image_visible(manages: bool, actor: Actor) -> ColumnElement[bool]:
    """``images.visible`` as a condition (the query joins Album)."""
    if manages:
        return true()
    album_seen = or_(Album.private.is_(False), _is_me(Album.owner_id, actor))
    return or_(_is_me(Image.uploader_id, actor), and_(Image.private.is_(False), album_seen))


def _matching(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Album.kind != TEMPORARY_ALBUM]
    if filters.trashed:
        conditions += [Image.deleted_at.is_not(None), unexpired_rows()]
    else:
        conditions.append(live_rows())
    for word in filters.words:
        at_location = select(Location.id).where(contains(Location.path, word))
        conditions.append(
            or_(
                contains(Image.name, word),
                contains(Image.description, word),
                contains(Image.alt_text, word),
                contains(Album.name, word),
                Image.location_id.in_(at_location),
            )
        )
    for column, span in ((Image.taken_at, filters.taken), (Image.created_at, filters.uploaded)):
        if span.start is not None:
            conditions.append(column >= span.start)
        if span.end is not None:
            conditions.append(column < span.end)
    if filters.starred is not None:
        conditions.append(Image.starred.is_(filters.starred))
    if filters.private is not None:
        conditions.append(Image.private.is_(filters.private))
    return conditions


def _sort_columns(sort: Sort) -> list[Any]:
    if sort in (Sort.NEWEST, Sort.OLDEST):
        return [Image.created_at, Image.id]
    if sort in (Sort.TAKEN_LATEST, Sort.TAKEN_EARLIEST):
        # Photos whose file says nothing sort by when they were uploaded.
        taken = type_coerce(func.coalesce(Image.taken_at, Image.created_at), UTCDateTime())
        return [taken, Image.id]
    if sort is Sort.NAME:
        return [func.lower(Image.name), Image.id]
    return [Image.album_id, Image.position, Image.id]


def _after(columns: Sequence[Any], key: Key, *, descending: bool) -> ColumnElement[bool]:
    """Rows after ``key`` in the lexicographic order of ``columns`` (all in one direction)."""
    clauses = []
    for index, column in enumerate(columns):
        beyond = column < key[index] if descending else column > key[index]
        equal = [c == key[i] for i, c in enumerate(columns[:index])]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


# --- trash ---------------------------------------------------------------------------------------


def empty_trash(rt: Runtime, actor: Actor, space: str | None = None) -> int:
    """Delete for good every trashed image of ``space`` (every space the actor may write in,
    without one) that the actor may change; how many."""
    _require_user(actor)
    if space is not None:
        scopes = [enter(rt, actor, space, write=True)]
    else:
        scopes = [
            enter(rt, actor, view.ref, write=True)
            for view in visible_spaces(rt, actor)
            if view.id != UNBORN and view.role is not SpaceRole.VIEWER
        ]
    purged = 0
    for scope in scopes:
        with rt.reading() as session:
            trashed = session.scalars(
                select(Image).where(Image.space_id == scope.space_id, Image.deleted_at.is_not(None))
            )
            ids = [
                image.id
                for image in trashed
                if images.visible(scope, image) and images.may_change(scope, image)
            ]
        for image_id in ids:
            images.purge(rt, scope, image_id)
            purged += 1
    return purged


def myself(rt: Runtime, actor: Actor) -> PrincipalRecord:
    """The logged-in user ``actor`` is. Reads only."""
    me = _require_user(actor)
    with rt.reading() as session:
        return principal_record(session.get_one(Principal, me))
