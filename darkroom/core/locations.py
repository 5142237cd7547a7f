"""A space's location tree (Building 1 > Floor 2 > Room 3), addressed by id or by path."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darkroom.clock import utcnow
from darkroom.core.access import Scope
from darkroom.core.bounds import PathBounds, check_text, check_tiers, path_bounds
from darkroom.core.query import contains, sort_clauses
from darkroom.core.records import LocationPage, LocationRecord, location_record
from darkroom.core.runtime import Runtime
from darkroom.core.unset import UNSET, Unset
from darkroom.core.values import SortKey, TimeRange
from darkroom.db.models import Location
from darkroom.errors import Invalid, NotFound

SEPARATOR = " > "
MAX_DEPTH = 64  # guards walks up the tree against a corrupt parent cycle


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
    session: Session,
    scope: Scope,
    node_name: str,
    *,
    parent_id: int | None = None,
    bounds: PathBounds = PathBounds(),
) -> Location:
    """A new child of ``parent_id`` (or a root); Invalid if that path already exists."""
    name = node_name.strip()
    if not name:
        raise Invalid("node_name must not be empty", field="node_name")
    parent = get(session, scope, parent_id) if parent_id is not None else None
    path = f"{parent.path}{SEPARATOR}{name}" if parent else name
    _check_node(name, len(path), bounds)
    exists = session.scalar(
        select(Location.id).where(Location.space_id == scope.space_id, Location.path == path)
    )
    if exists is not None:
        raise Invalid(f"location {path!r} already exists", field="node_name")
    return _insert(session, scope, name, path, parent)


def _check_node(name: str, path_chars: int, bounds: PathBounds) -> None:
    """A node name and the length of the longest path it makes, within ``bounds`` (checked
    before writing)."""
    check_text(name, field="node_name", max_chars=bounds.tier_chars)
    if path_chars > bounds.path_chars:
        raise Invalid(
            f"the location's path must be at most {bounds.path_chars} characters", field="node_name"
        )


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


@dataclass(frozen=True)
class LocationQuery:
    """Filters over a space's tree, combined with AND; empty or None means "no filter"."""

    ids: Sequence[int] = ()
    parent_ids: Sequence[int] = ()
    codes: Sequence[str] = ()
    search: str | None = None  # substring of the full path, any letter case
    search_with_code: str | None = None  # substring of the full path or of the code
    superlocations_for: int | None = None  # the ancestors of this location
    sublocations_for: int | None = None  # the descendants of this location
    updated: TimeRange | None = None
    depth: tuple[int, int] | None = None  # inclusive; a root is at depth 1
    sort: Sequence[SortKey] = ()  # default: by full path
    offset: int = 0
    limit: int = 100


SORTABLE: dict[str, Any] = {
    "id": Location.id,
    "name": Location.path,
    "node_name": Location.node_name,
    "code": Location.code,
    "created_at": Location.created_at,
    "updated_at": Location.updated_at,
}


def _search(session: Session, scope: Scope, query: LocationQuery) -> LocationPage:
    """Trees are small (hundreds of nodes per project), so the tree-shaped filters (ancestors,
    descendants, depth) run over the rows the plain filters left."""
    found = list(session.scalars(_filtered(scope, query).order_by(*_order(query.sort))))
    if query.superlocations_for is not None:
        above = _ids_or_none(lambda: ancestors(session, scope, query.superlocations_for or 0))
        found = [node for node in found if node.id in above]
    if query.sublocations_for is not None:
        below = _ids_or_none(lambda: descendants(session, scope, query.sublocations_for or 0))
        found = [node for node in found if node.id in below]
    if query.depth is not None:
        low, high = query.depth
        depths = _depths(session, scope)
        found = [node for node in found if low <= depths.get(node.id, 0) <= high]
    chosen = found[query.offset : query.offset + query.limit]
    return LocationPage(tuple(location_record(node) for node in chosen), len(found))


def _ids_or_none(nodes: Callable[[], list[Location]]) -> set[int]:
    """The ids of ``nodes()``; none when its location is not in the scope (so nothing matches)."""
    try:
        return {node.id for node in nodes()}
    except NotFound:
        return set()


def _filtered(scope: Scope, query: LocationQuery) -> Select[Location]:
    stmt = select(Location).where(Location.space_id == scope.space_id)
    if query.ids:
        stmt = stmt.where(Location.id.in_(query.ids))
    if query.parent_ids:
        stmt = stmt.where(Location.parent_id.in_(query.parent_ids))
    if query.codes:
        stmt = stmt.where(Location.code.in_(query.codes))
    if query.search:
        stmt = stmt.where(contains(Location.path, query.search))
    if query.search_with_code:
        text = query.search_with_code
        stmt = stmt.where(or_(contains(Location.path, text), contains(Location.code, text)))
    if query.updated is not None:
        span = query.updated
        stmt = stmt.where(Location.updated_at >= span.start, Location.updated_at < span.end)
    return stmt


def _order(sort: Sequence[SortKey]) -> list[Any]:
    clauses = sort_clauses(sort, SORTABLE, "locations ")
    return [*clauses, Location.path.asc(), Location.id.asc()]


def _depths(session: Session, scope: Scope) -> dict[int, int]:
    rows = session.execute(
        select(Location.id, Location.parent_id).where(Location.space_id == scope.space_id)
    )
    parents: dict[int, int | None] = {node_id: parent_id for node_id, parent_id in rows}
    depths: dict[int, int] = {}

    def depth_of(node_id: int) -> int:
        chain: list[int] = []
        current: int | None = node_id
        while current is not None and current not in depths and len(chain) <= len(parents):
            chain.append(current)
            current = parents.get(current)
        base = depths.get(current, 0) if current is not None else 0
        for offset, member in enumerate(reversed(chain), start=1):
            depths[member] = base + offset
        return depths[node_id]

    for node_id in parents:
        depth_of(node_id)
    return depths


def ancestors(session: Session, scope: Scope, location_id: int) -> list[Location]:
    """The locations above ``location_id``, nearest first (NotFound if it is not in the scope)."""
    node = get(session, scope, location_id)
    chain: list[Location] = []
    while node.parent_id is not None and len(chain) < MAX_DEPTH:
        node = get(session, scope, node.parent_id)
        chain.append(node)
    return chain


def descendants(session: Session, scope: Scope, location_id: int) -> list[Location]:
    """Every location below ``location_id``, breadth first (NotFound if it is not in the scope)."""
    frontier = [get(session, scope, location_id).id]
    found: list[Location] = []
    while frontier:
        children = list(
            session.scalars(
                select(Location).where(
                    Location.space_id == scope.space_id, Location.parent_id.in_(frontier)
                )
            )
        )
        found.extend(children)
        frontier = [child.id for child in children]
    return found


def update(
    session: Session,
    scope: Scope,
    location: Location,
    *,
    node_name: str | Unset = UNSET,
    parent_id: int | Unset | None = UNSET,
    code: str | Unset | None = UNSET,
    bounds: PathBounds = PathBounds(),
) -> Location:
    """Rename or move a location; the full paths of everything below it follow.

    Invalid when the new path exists already or the new parent lies inside the location.
    """
    location = get(session, scope, location.id)
    if not isinstance(code, Unset):
        location.code = code
    name = location.node_name if isinstance(node_name, Unset) else node_name.strip()
    if not name:
        raise Invalid("node_name must not be empty", field="node_name")
    new_parent_id = location.parent_id if isinstance(parent_id, Unset) else parent_id
    below = descendants(session, scope, location.id)
    parent = _new_parent(session, scope, location, new_parent_id, below)
    path = f"{parent.path}{SEPARATOR}{name}" if parent else name
    if path != location.path:
        # The longest path below grows by as much as this one does.
        longest = max((len(node.path) for node in below), default=len(location.path))
        _check_node(name, len(path) + longest - len(location.path), bounds)
        _move_subtree(session, scope, location, below, path)
    location.node_name = name
    location.parent_id = parent.id if parent else None
    location.updated_at = utcnow()
    session.flush()
    return location


def _new_parent(
    session: Session,
    scope: Scope,
    location: Location,
    parent_id: int | None,
    below: Sequence[Location],
) -> Location | None:
    if parent_id is None:
        return None
    if parent_id == location.id or parent_id in {node.id for node in below}:
        raise Invalid("a location cannot move below itself", field="parent_id")
    try:
        return get(session, scope, parent_id)
    except NotFound:
        raise Invalid(f"unknown location {parent_id}", field="parent_id") from None


def _move_subtree(
    session: Session, scope: Scope, location: Location, below: Sequence[Location], path: str
) -> None:
    taken = session.scalar(
        select(Location.id).where(Location.space_id == scope.space_id, Location.path == path)
    )
    if taken is not None:
        raise Invalid(f"location {path!r} already exists", field="node_name")
    suffixes = {node.id: node.path[len(location.path) :] for node in below}
    now = utcnow()
    # Park the subtree under unique temporary paths first: renaming in place could collide with
    # another node's old path halfway through, and the unique constraint is checked per row. (Not
    # NUL, which PostgreSQL text cannot hold; a random part, so no real path can be the same.)
    parked = secrets.token_hex(8)
    for node in [location, *below]:
        node.path = f"\x1f{parked}:{node.id}"
    session.flush()
    location.path = path
    for node in below:
        node.path = path + suffixes[node.id]
        node.updated_at = now
    session.flush()


# --- what doors call: each opens its own transaction and answers with records ----------------


def find(rt: Runtime, scope: Scope, location_id: int) -> LocationRecord:
    with rt.reading() as session:
        return location_record(get(session, scope, location_id))


def search(rt: Runtime, scope: Scope, query: LocationQuery) -> LocationPage:
    """The page of the scope's locations that ``query`` selects, and how many match in all."""
    with rt.reading() as session:
        return _search(session, scope, query)


def at_path(rt: Runtime, scope: Scope, tiers: Sequence[str]) -> tuple[LocationRecord, bool]:
    """``find_or_create_path``: the location at ``tiers``, and whether a tier was made."""
    check_tiers(tiers, path_bounds(rt.settings))
    with rt.transaction() as session:
        found, created = find_or_create_path(session, scope, tiers)
        return location_record(found), created


def add(
    rt: Runtime,
    scope: Scope,
    node_name: str,
    *,
    parent_id: int | None = None,
    code: str | None = None,
) -> LocationRecord:
    """A new child of ``parent_id`` (or a root) with ``code``; Invalid if its path exists."""
    with rt.transaction() as session:
        node = create(
            session, scope, node_name, parent_id=parent_id, bounds=path_bounds(rt.settings)
        )
        return location_record(_coded(session, scope, node, code))


def add_path(
    rt: Runtime, scope: Scope, tiers: Sequence[str], *, code: str | None = None
) -> LocationRecord:
    """A new location at ``tiers`` (missing tiers above it made too) with ``code``; Invalid if
    the whole path exists already."""
    check_tiers(tiers, path_bounds(rt.settings))
    with rt.transaction() as session:
        node, created = find_or_create_path(session, scope, tiers)
        if not created:
            raise Invalid(f"location {node.path!r} already exists", field="path")
        return location_record(_coded(session, scope, node, code))


def _coded(session: Session, scope: Scope, node: Location, code: str | None) -> Location:
    return node if code is None else update(session, scope, node, code=code)


def change(
    rt: Runtime,
    scope: Scope,
    location_id: int,
    *,
    node_name: str | Unset = UNSET,
    parent_id: int | Unset | None = UNSET,
    code: str | Unset | None = UNSET,
) -> LocationRecord:
    """``update`` the location ``location_id``: rename, move or recode it."""
    with rt.transaction() as session:
        node = get(session, scope, location_id)
        changed = update(
            session,
            scope,
            node,
            node_name=node_name,
            parent_id=parent_id,
            code=code,
            bounds=path_bounds(rt.settings),
        )
        return location_record(changed)


def delete(rt: Runtime, scope: Scope, location_id: int) -> None:
    """Remove a location and everything below it; images there keep no location."""
    with rt.transaction() as session:
        session.delete(get(session, scope, location_id))
