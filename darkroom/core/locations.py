"""A space's location tree (Building 1 > Floor 2 > Room 3), addressed by id or by path."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darkroom.core.access import Scope
from darkroom.core.errors import Invalid, NotFound
from darkroom.core.models import Location

SEPARATOR = " > "


def get(session: Session, scope: Scope, location_id: int) -> Location:
    location = session.get(Location, location_id)
    if location is None or location.space_id != scope.space_id:
        raise NotFound("location", location_id)
    return location


def find_or_create_path(
    session: Session, scope: Scope, tiers: Sequence[str]
) -> tuple[Location, bool]:
    """The location at ``tiers`` (creating missing tiers); the flag says whether any was created."""
    names = [tier.strip() for tier in tiers]
    if not names or any(not name for name in names):
        raise Invalid("path must be a non-empty list of non-empty names", field="path")
    parent: Location | None = None
    created = False
    for depth in range(1, len(names) + 1):
        path = SEPARATOR.join(names[:depth])
        node = session.scalar(
            select(Location).where(Location.space_id == scope.space_id, Location.path == path)
        )
        if node is None:
            node = _insert(session, scope, names[depth - 1], path, parent)
            created = True
        parent = node
    assert parent is not None
    return parent, created


def create(
    session: Session, scope: Scope, node_name: str, *, parent_id: int | None = None
) -> Location:
    """A new child of ``parent_id`` (or a root); Invalid if that path already exists."""
    name = node_name.strip()
    if not name:
        raise Invalid("node_name must not be empty", field="node_name")
    parent = get(session, scope, parent_id) if parent_id is not None else None
    path = f"{parent.path}{SEPARATOR}{name}" if parent else name
    exists = session.scalar(
        select(Location.id).where(Location.space_id == scope.space_id, Location.path == path)
    )
    if exists is not None:
        raise Invalid(f"location {path!r} already exists", field="node_name")
    return _insert(session, scope, name, path, parent)


def _insert(
    session: Session, scope: Scope, node_name: str, path: str, parent: Location | None
) -> Location:
    node = Location(
        space_id=scope.space_id,
        parent_id=parent.id if parent else None,
        node_name=node_name,
        path=path,
    )
    try:
        with session.begin_nested():
            session.add(node)
    except IntegrityError:
        found = session.scalar(
            select(Location).where(Location.space_id == scope.space_id, Location.path == path)
        )
        if found is None:
            raise
        return found
    return node


def list_locations(session: Session, scope: Scope) -> list[Location]:
    return list(
        session.scalars(
            select(Location).where(Location.space_id == scope.space_id).order_by(Location.path)
        )
    )
