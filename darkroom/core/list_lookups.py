"""What an image list's filters need from other tables before its statements can be written,
read in one round trip: the private albums hidden from the actor, and a location subtree.

Both are read first, not joined into the list's statements, so that those stay index-only: the
list's indexes hold neither an image's album nor its location's ancestors, and most spaces have
no hidden album at all (then the condition is left out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from darkroom.core import fixed_reads
from darkroom.core.access import Scope
from darkroom.db.models import Album, Location


@dataclass(frozen=True)
class Lookups:
    hidden_album_ids: list[int]  # none for managers
    location_ids: list[int]  # the filter's locations, with their subtrees if asked; sorted


def read(
    session: Session, scope: Scope, location_ids: Sequence[int], include_sublocations: bool
) -> Lookups:
    """The albums of the scope hidden from its actor (``albums.visible``), and ``location_ids``
    with every location below them in the scope's tree if ``include_sublocations``."""
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    reads: list[tuple[fixed_reads.FixedRead, dict[str, Any]]] = []
    if not scope.manages:
        principal = scope.actor.principal_id
        reads.append((_HIDDEN[principal is None], {"space_id": scope.space_id, "me": principal}))
    if location_ids and include_sublocations:
        params = {"space_id": scope.space_id, "ids": list(location_ids)}
        reads.append((_SUBTREES[postgresql], params))
    found = iter(fixed_reads.run_all(connection, reads) if reads else [])
    hidden = [row[0] for row in next(found)] if not scope.manages else []
    locations = set(location_ids)
    if location_ids and include_sublocations:
        locations |= {row[0] for row in next(found)}
    return Lookups(hidden_album_ids=hidden, location_ids=sorted(locations))


def _hidden(anonymous: bool) -> fixed_reads.FixedRead:
    """The space's live private albums but the actor's own (all of them for nobody)."""
    stmt = select(Album.id).where(
        Album.space_id == bindparam("space_id"),
        Album.private.is_(True),
        Album.deleted_at.is_(None),
    )
    if not anonymous:
        stmt = stmt.where(or_(Album.owner_id.is_(None), Album.owner_id != bindparam("me")))
    return fixed_reads.FixedRead(stmt)


def _subtrees(postgresql: bool) -> fixed_reads.FixedRead:
    roots = (
        select(Location.id)
        .where(
            Location.space_id == bindparam("space_id"),
            fixed_reads.among(Location.id, postgresql),
        )
        .cte("tree", recursive=True)
    )
    below = select(Location.id).join(roots, Location.parent_id == roots.c.id)
    tree = roots.union(below)
    return fixed_reads.FixedRead(select(tree.c.id))


_HIDDEN = {anonymous: _hidden(anonymous) for anonymous in (False, True)}
_SUBTREES = {postgresql: _subtrees(postgresql) for postgresql in (False, True)}
