"""Where an import puts files: the albums it finds, or makes with the rules they had."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darkroom.core import albums
from darkroom.core.access import Scope
from darkroom.core.importing.sources import Entry
from darkroom.core.policy import AlbumType
from darkroom.core.runtime import Runtime
from darkroom.core.sidecar import AlbumFacts
from darkroom.db.models import Album, Image


@dataclass(frozen=True)
class Target:
    """Where files go: the album named ``album`` for all of them, or else each plain file to the
    album named after the folder or zip it came from (with ``per_folder``, the folder directly
    holding it) and each exported one back to its own album. Albums the import makes for plain
    files are of ``album_type``; with ``one_album``, plain files all go to the space's one album
    of that type (a Moov account's)."""

    scope: Scope
    album_type: AlbumType
    album: str | None = None
    one_album: bool = False
    per_folder: bool = False

    def album_name(self, entry: Entry) -> str:
        """The name of the album a plain file goes to ("" for the space's one album)."""
        if self.one_album:
            return ""
        if self.album is not None:
            return self.album
        return entry.folder if self.per_folder else entry.group


@dataclass(frozen=True)
class Destination:
    """An album files go to: its row (None in a dry run that would make it) and the position
    after which the import puts plain files."""

    row: Album | None
    base_position: int


def resolve(
    rt: Runtime, target: Target, name: str, facts: AlbumFacts | None, *, make: bool
) -> Destination:
    """The album a file goes to: a plain file's album ``name`` (or the space's one album), or
    the one ``facts`` describe; made when missing if ``make`` (not in a dry run)."""
    with rt.transaction() if make else rt.reading() as session:
        if facts is not None and _held_elsewhere(session, target.scope, facts):
            facts = _gallery_instead(target, facts)
        row = _find(session, target, name, facts)
        if row is None and make:
            row = _make(session, target, name, facts)
        return Destination(row, _last_position(session, row))


def _gallery_instead(target: Target, facts: AlbumFacts) -> AlbumFacts:
    """A gallery album of the same name, for an album whose outside id another space holds
    (an export imported beside its original): the images come back, the vendor link not."""
    return AlbumFacts.of(
        target.album_type,
        None,
        name=facts.name or f"{facts.kind} {facts.external_id}",
        private=facts.private,
        position=facts.position,
    )


def _find(session: Session, target: Target, name: str, facts: AlbumFacts | None) -> Album | None:
    scope = target.scope
    if facts is None and target.one_album:
        return albums.find(session, scope, target.album_type.kind)
    if facts is not None and facts.external_id is not None:
        return albums.find(session, scope, facts.kind, facts.external_id or None)
    kind = target.album_type.kind if facts is None else facts.kind
    return session.scalar(
        select(Album)
        .where(
            Album.space_id == scope.space_id,
            Album.kind == kind,
            Album.name == (name if facts is None else facts.name),
            Album.deleted_at.is_(None),
        )
        .order_by(Album.id)
        .limit(1)
    )


def _make(session: Session, target: Target, name: str, facts: AlbumFacts | None) -> Album:
    scope = target.scope
    if facts is None and target.one_album:
        return albums.ensure(session, scope, target.album_type)
    if facts is None:
        return albums.create(session, scope, target.album_type, name=name)
    if facts.external_id is None:
        made = albums.create(
            session,
            scope,
            facts.album_type(),
            name=facts.name,
            private=facts.private,
        )
    else:
        made = albums.ensure(
            session,
            scope,
            facts.album_type(),
            facts.external_id or None,
            name=facts.name,
        )
        made.private = facts.private
    made.position = facts.position
    return made


def _held_elsewhere(session: Session, scope: Scope, facts: AlbumFacts) -> bool:
    """Whether another space has the album named by ``facts``' outside id (one across spaces)."""
    if not facts.external_id:
        return False
    held = select(Album.id).where(
        Album.kind == facts.kind,
        Album.external_id == facts.external_id,
        Album.space_id != scope.space_id,
    )
    return session.scalar(held.limit(1)) is not None


def _last_position(session: Session, album: Album | None) -> int:
    if album is None:
        return 0
    last = session.scalar(select(func.max(Image.position)).where(Image.album_id == album.id))
    return int(last or 0)
