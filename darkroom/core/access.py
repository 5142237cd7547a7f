"""Who is asking, and which space they may act in.

Every core function that reads or writes images takes a ``Scope``, and the only way to get one is
this module: ``enter`` (and its variants) checks the actor's grants on shared tenant spaces,
``enter_personal`` their ownership of a personal space. So no code path lists or returns an image
unchecked. ``trusted_scope`` is for work the system does on its own behalf.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core import spaces
from darkroom.core.policy import AlbumPolicy
from darkroom.core.records import UNBORN, PrincipalRecord, SpaceRecord, space_record
from darkroom.core.runtime import Runtime
from darkroom.db.models import Grant, Principal, Space
from darkroom.errors import Forbidden, NotFound, Unauthorized

PERSONAL_SPACE = "personal"  # the space kind of each user's own space (``core.personal``)
GUESTS = "guests"  # the external id of the personal space that holds guests' images


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
    """Proof that ``actor`` may act in ``space``; made only by this module's functions."""

    space: SpaceRecord
    actor: Actor

    @property
    def space_id(self) -> int:
        return self.space.id


def enter(
    rt: Runtime,
    actor: Actor,
    kind: str,
    external_id: str,
    *,
    write: bool,
    seeds: spaces.Seeds = spaces.NO_SEEDS,
) -> Scope:
    """The scope of space ``kind:external_id`` for ``actor``.

    An unknown space is NotFound, except for admins (entitled to every space): for a ``write``
    it is made, for a read it is an unborn space (``SpaceRecord.stored`` false) in which every
    list is empty, so reads never write. A space the actor holds no grant on is Forbidden.
    A space made here gets its kind's seed from ``seeds`` (see ``spaces.ensure``).
    """
    with _session(rt, write) as session:
        return enter_in(session, actor, kind, external_id, write=write, seeds=seeds)


def enter_top(
    rt: Runtime,
    actor: Actor,
    kind: str,
    external_id: str,
    *,
    write: bool,
    seeds: spaces.Seeds = spaces.NO_SEEDS,
) -> Scope:
    """The scope of a top-level space, as ``enter`` (made or unborn for admins).

    An unknown space is Forbidden for everyone else, like a known one they hold no grant on, so
    a caller cannot tell which tenants exist by probing ids.
    """
    try:
        return enter(rt, actor, kind, external_id, write=write, seeds=seeds)
    except NotFound:
        raise Forbidden(f"no access to {kind} {external_id}") from None


def enter_nested(
    rt: Runtime,
    actor: Actor,
    parent: tuple[str, str],
    child: tuple[str, str],
    *,
    write: bool,
    seeds: spaces.Seeds = spaces.NO_SEEDS,
) -> Scope:
    """The scope of a space named under its parent, each given as (kind, external id).

    - An unknown parent is made (or unborn) on an admin's use; for anyone else it is Forbidden.
    - An unknown child is made (or unborn) under the parent for anyone who may enter the parent:
      a grant on the parent covers its children, new ones included.
    - A child that belongs to another parent is NotFound.
    - A child the actor holds no grant on, directly or through the parent, is Forbidden.

    Spaces made here get their kind's seed from ``seeds`` (see ``spaces.ensure``).
    """
    with _session(rt, write) as session:
        return _enter_nested(session, actor, parent, child, write=write, seeds=seeds)


def _session(rt: Runtime, write: bool) -> AbstractContextManager[Session]:
    return rt.transaction() if write else rt.reading()


def enter_in(
    session: Session,
    actor: Actor,
    kind: str,
    external_id: str,
    *,
    write: bool,
    parent: Space | None = None,
    seeds: spaces.Seeds = spaces.NO_SEEDS,
) -> Scope:
    """``enter`` inside ``session`` (for core modules that check access within their own work)."""
    space = spaces.find(session, kind, external_id)
    if space is not None and parent is not None and space.parent_id != parent.id:
        if space.parent_id is not None:
            raise NotFound(kind, external_id)
        # Made by a grant before its parent was known. Only someone entitled to both says where
        # it belongs: a grant on the parent alone must not pull the space under it (and in).
        if write and _holds(session, actor, space) and may_enter(session, actor, parent):
            space.parent_id = parent.id
    if space is None:
        if not actor.is_admin:
            raise NotFound(kind, external_id)
        if not write:
            return Scope(space=_unborn(kind, external_id, parent), actor=actor)
        space = spaces.ensure(session, kind, external_id, parent=parent, seeds=seeds)
    if not may_enter(session, actor, space):
        raise Forbidden(f"no access to {kind} {external_id}")
    return Scope(space=space_record(space), actor=actor)


def _enter_nested(
    session: Session,
    actor: Actor,
    parent_ref: tuple[str, str],
    child_ref: tuple[str, str],
    *,
    write: bool,
    seeds: spaces.Seeds,
) -> Scope:
    parent = spaces.find(session, *parent_ref)
    if parent is None:
        if not actor.is_admin:
            raise Forbidden(f"no access to {parent_ref[0]} {parent_ref[1]}")
        if not write:
            return Scope(space=_unborn(*child_ref), actor=actor)
        parent = spaces.ensure(session, *parent_ref, seeds=seeds)
    if spaces.find(session, *child_ref) is None:
        if not may_enter(session, actor, parent):
            raise Forbidden(f"no access to {parent_ref[0]} {parent_ref[1]}")
        if not write:
            return Scope(space=_unborn(*child_ref, parent), actor=actor)
        spaces.ensure(session, *child_ref, parent=parent, seeds=seeds)
    return enter_in(session, actor, *child_ref, write=write, parent=parent)


def _unborn(kind: str, external_id: str, parent: Space | None = None) -> SpaceRecord:
    return SpaceRecord(
        id=UNBORN, kind=kind, external_id=external_id, parent_id=parent.id if parent else None
    )


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


def trusted_scope(space: Space | SpaceRecord, actor: Actor) -> Scope:
    """A scope for work the system does on its own behalf (gc, CLI imports), never for requests."""
    record = space if isinstance(space, SpaceRecord) else space_record(space)
    return Scope(space=record, actor=actor)


# --- personal spaces: entered by ownership, not by grants ----------------------------------------


def may_see(actor: Actor, user: PrincipalRecord | Principal) -> bool:
    """Active users are seen by everybody (guests included); inactive ones by themselves and
    managers only."""
    return user.active or actor.manages or actor.principal_id == user.id


def may_manage(actor: Actor, owner_id: int | None) -> bool:
    """The owner and managers change the images of a personal space (``owner_id`` None: the
    guests' space, managers only)."""
    return actor.manages or (owner_id is not None and actor.principal_id == owner_id)


def may_view(actor: Actor, owner_id: int | None, policy: AlbumPolicy) -> bool:
    """Albums whose policy is ``visible_to_guests`` are seen by anyone who may see the owner;
    the others by those who may change them."""
    return policy.visible_to_guests or may_manage(actor, owner_id)


def refuse(actor: Actor, message: str) -> NoReturn:
    """What refusing ``actor`` means: a guest must log in (Unauthorized), a user may not."""
    if actor.is_guest:
        raise Unauthorized(message)
    raise Forbidden(message)


def enter_personal(
    rt: Runtime, actor: Actor, owner_id: int, policy: AlbumPolicy, *, write: bool
) -> Scope:
    """The personal space of user ``owner_id``, for ``actor`` to change (``write``) or view
    images of albums with ``policy``.

    - the owner and managers may change and view; a write makes the space on first use;
    - anyone who may see the owner views albums whose policy is ``visible_to_guests``;
    - a read of a space not made yet is an unborn scope, in which every list is empty;
    - refused: a guest is Unauthorized, a user Forbidden; an unknown user, or one the actor may
      not see, is NotFound("user").
    """
    with _session(rt, write) as session:
        return enter_personal_in(session, actor, owner_id, policy, write=write)


def enter_personal_in(
    session: Session, actor: Actor, owner_id: int, policy: AlbumPolicy, *, write: bool
) -> Scope:
    """``enter_personal`` inside ``session``."""
    owner = session.get(Principal, owner_id)
    if owner is None or not may_see(actor, owner):
        raise NotFound("user", owner_id)  # a user one may not see is one that does not exist
    if not may_manage(actor, owner_id) and (write or not policy.visible_to_guests):
        refuse(actor, f"no access to the images of user {owner_id}")
    return _personal(session, actor, str(owner_id), write=write)


def enter_guests(rt: Runtime, actor: Actor, *, write: bool) -> Scope:
    """The guests' personal space, shared by every guest. Anyone enters it: each guest identity
    keeps its own album there (``core.temporary``), which is how guests never see each other's
    images; changing an image of another identity takes a manager (``may_manage``)."""
    with _session(rt, write) as session:
        return _personal(session, actor, GUESTS, write=write)


def _personal(session: Session, actor: Actor, external_id: str, *, write: bool) -> Scope:
    space = spaces.find(session, PERSONAL_SPACE, external_id)
    if space is None:
        if not write:
            return Scope(space=_unborn(PERSONAL_SPACE, external_id), actor=actor)
        space = spaces.ensure(session, PERSONAL_SPACE, external_id)
    return Scope(space=space_record(space), actor=actor)
