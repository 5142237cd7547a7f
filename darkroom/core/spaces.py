"""Spaces: tenant boundaries, found or created by (kind, external id). Kinds are the doors' names
(``darkroom.api.vocabulary``); core gives meaning to one only, users' personal spaces."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darkroom.core.records import SpaceRecord, space_record
from darkroom.core.runtime import Runtime
from darkroom.db.models import Space
from darkroom.errors import Conflict, Invalid

MAX_EXTERNAL_ID = 128  # the width of spaces.external_id

Seed = Callable[[Session, Space], None]
"""Work done in the transaction that makes a space, e.g. giving it its first reference data."""
Seeds = Mapping[str, Seed]  # by space kind
NO_SEEDS: Seeds = MappingProxyType({})


def find(session: Session, kind: str, external_id: str) -> Space | None:
    return session.scalar(select(Space).where(Space.kind == kind, Space.external_id == external_id))


def ensure(
    session: Session,
    kind: str,
    external_id: str,
    *,
    parent: Space | None = None,
    seeds: Seeds = NO_SEEDS,
) -> Space:
    """The space ``kind:external_id``, created if missing (safe under concurrent creators).

    A space made here gets the seed ``seeds`` holds for its kind, in the same transaction.
    """
    existing = find(session, kind, external_id)
    if existing is not None:
        return existing
    space = Space(kind=kind, external_id=external_id, parent_id=parent.id if parent else None)
    try:
        with session.begin_nested():
            session.add(space)
    except IntegrityError:
        existing = find(session, kind, external_id)
        if existing is None:
            raise
        return existing
    seed = seeds.get(kind)
    if seed is not None:
        seed(session, space)
    return space


def place(session: Session, kind: str, external_id: str, parent: Space, *, move: bool) -> Space:
    """The space ``kind:external_id`` under ``parent``: made there if missing; one without a
    parent is put there; one under another parent is moved only with ``move`` (else Conflict).

    Spaces have fixed parents: only admins place them (the CLI, the admin endpoint), never a
    request. A space is never put under itself or its own children.
    """
    space = find(session, kind, external_id)
    if space is None:
        return ensure(session, kind, external_id, parent=parent)
    if space.id == parent.id or any(s.id == space.id for s in ancestors(session, parent)):
        raise Invalid(f"{kind}:{external_id} cannot be put under itself", field="parent")
    if space.parent_id is not None and space.parent_id != parent.id and not move:
        raise Conflict(f"{kind}:{external_id} belongs to another space; move it explicitly")
    space.parent_id = parent.id
    session.flush()
    return space


def relocate(
    rt: Runtime,
    child: tuple[str, str],
    parent: tuple[str, str],
    *,
    parent_kinds: Mapping[str, str],
    seeds: Seeds = NO_SEEDS,
) -> SpaceRecord:
    """Put space ``child`` under ``parent`` (each (kind, external id)), making either as needed:
    admin work (the CLI's ``spaces move``, the admin endpoint). ``parent_kinds`` says which kind
    of space each kind lives under; another pairing is Invalid."""
    if parent_kinds.get(child[0]) != parent[0]:
        raise Invalid(f"a {child[0]} cannot belong to a {parent[0]}", field="parent")
    with rt.transaction() as session:
        home = ensure(session, *parent, seeds=seeds)
        return space_record(place(session, *child, home, move=True))


def ancestors(session: Session, space: Space | SpaceRecord) -> list[Space]:
    """The parents of ``space``, nearest first (a project's company)."""
    chain: list[Space] = []
    parent_id = space.parent_id
    while parent_id is not None and len(chain) < 8:
        parent = session.get(Space, parent_id)
        if parent is None:
            break
        chain.append(parent)
        parent_id = parent.parent_id
    return chain


def parse_ref(text: str, kinds: Mapping[str, str]) -> tuple[str, str]:
    """``"team:acme"`` → ("team", "acme"), as the CLI names spaces; ``kinds`` maps the names a
    user may write to the space kinds they stand for."""
    kind_text, sep, external_id = text.partition(":")
    names = ", ".join(kinds)
    if not sep or not external_id:
        raise Invalid(f"space must look like KIND:ID with KIND one of {names}", field="space")
    kind = kinds.get(kind_text)
    if kind is None:
        raise Invalid(f"unknown space kind {kind_text!r}; use one of {names}", field="space")
    if (
        len(external_id) > MAX_EXTERNAL_ID
        or not external_id.isprintable()
        or any(c.isspace() for c in external_id)
    ):
        raise Invalid(
            f"space id must be 1-{MAX_EXTERNAL_ID} printable characters without spaces",
            field="space",
        )
    return kind, external_id


PRIVATE_BY_DEFAULT = "private_by_default"  # the space setting new images take ``private`` from


def private_by_default(space: Space | SpaceRecord) -> bool:
    """Whether new images of ``space`` are private unless the uploader says otherwise."""
    return bool((space.settings or {}).get(PRIVATE_BY_DEFAULT, False))
