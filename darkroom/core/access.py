"""Who is asking, and which space they may act in.

Every core function that reads or writes images takes a ``Scope``, and the only way to get one is
``enter``, which checks the actor's grants. So no code path lists or returns an image unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core import spaces
from darkroom.core.errors import Forbidden, NotFound
from darkroom.core.models import Grant, Space
from darkroom.core.spaces import SpaceKind


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"
    GUEST = "guest"


@dataclass(frozen=True)
class Actor:
    """An authenticated principal, or a guest (``principal_id`` None)."""

    principal_id: int | None
    role: Role
    name: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_guest(self) -> bool:
        return self.principal_id is None

    @property
    def manages(self) -> bool:
        """Admins and managers see private images and change other people's."""
        return self.role in (Role.ADMIN, Role.MANAGER)


GUEST = Actor(principal_id=None, role=Role.GUEST)


@dataclass(frozen=True)
class Scope:
    """Proof that ``actor`` may act in ``space``; obtained only through ``enter``."""

    space: Space
    actor: Actor

    @property
    def space_id(self) -> int:
        return self.space.id


def enter(
    session: Session,
    actor: Actor,
    kind: SpaceKind,
    external_id: str,
    *,
    parent: Space | None = None,
    create: bool = False,
) -> Scope:
    """The scope of space ``kind:external_id`` for ``actor``.

    Unknown spaces are NotFound, unless ``create`` and the actor is an admin (a space is created on
    first use by someone entitled to all spaces). A space the actor holds no grant on is Forbidden.
    """
    space = spaces.find(session, kind, external_id)
    if space is not None and parent is not None and space.parent_id != parent.id:
        if space.parent_id is not None:
            raise NotFound(kind.value, external_id)
        # Made by a grant before its parent was known. Only someone entitled to both says where
        # it belongs: a grant on the parent alone must not pull the space under it (and in).
        if _holds(session, actor, space) and may_enter(session, actor, parent):
            space.parent_id = parent.id
    if space is None:
        if not (create and actor.is_admin):
            raise NotFound(kind.value, external_id)
        space = spaces.ensure(session, kind, external_id, parent=parent)
    if not may_enter(session, actor, space):
        raise Forbidden(f"no access to {kind.value} {external_id}")
    return Scope(space=space, actor=actor)


def may_enter(session: Session, actor: Actor, space: Space) -> bool:
    """Admins enter every space; others need a grant on it or on one of its ancestors."""
    return _holds(session, actor, space, *spaces.ancestors(session, space))


def _holds(session: Session, actor: Actor, *chain: Space) -> bool:
    """Whether ``actor`` is an admin or holds a grant on one of ``chain``."""
    if actor.is_admin:
        return True
    if actor.principal_id is None:
        return False
    grant = session.scalar(
        select(Grant.id).where(
            Grant.principal_id == actor.principal_id, Grant.space_id.in_([s.id for s in chain])
        )
    )
    return grant is not None


def trusted_scope(space: Space, actor: Actor) -> Scope:
    """A scope for work the system does on its own behalf (gc, CLI imports), never for requests."""
    return Scope(space=space, actor=actor)


def enter_top(session: Session, actor: Actor, kind: SpaceKind, external_id: str) -> Scope:
    """The scope of a top-level space (a Procore company), made on an admin's first use.

    An unknown space is Forbidden for everyone else, like a known one they hold no grant on, so
    a caller cannot tell which tenants exist by probing ids.
    """
    try:
        return enter(session, actor, kind, external_id, create=True)
    except NotFound:
        raise Forbidden(f"no access to {kind.value} {external_id}") from None


def enter_nested(
    session: Session,
    actor: Actor,
    parent_kind: SpaceKind,
    parent_external_id: str,
    kind: SpaceKind,
    external_id: str,
) -> Scope:
    """The scope of a space named under its parent (a Procore project under its company).

    - An unknown parent is made on an admin's first use; for anyone else it is Forbidden.
    - An unknown child is made under the parent for anyone who may enter the parent: a grant
      on a company covers its projects, new ones included.
    - A child that belongs to another parent is NotFound.
    - A child the actor holds no grant on, directly or through the parent, is Forbidden.
    """
    parent = spaces.find(session, parent_kind, parent_external_id)
    if parent is None:
        if not actor.is_admin:
            raise Forbidden(f"no access to {parent_kind.value} {parent_external_id}")
        parent = spaces.ensure(session, parent_kind, parent_external_id)
    if spaces.find(session, kind, external_id) is None:
        if not may_enter(session, actor, parent):
            raise Forbidden(f"no access to {parent_kind.value} {parent_external_id}")
        spaces.ensure(session, kind, external_id, parent=parent)
    return enter(session, actor, kind, external_id, parent=parent)
