"""Who is asking, and which space they may act in, with which role.

Every core function that reads or writes images takes a ``Scope``, and the only way to get one is
this module: ``enter`` (and its variants) checks the actor's grants on shared tenant spaces,
``enter_personal`` their ownership of a personal space. So no code path lists or returns an image
unchecked. ``trusted_scope`` is for work the system does on its own behalf.

Roles belong to grants: a grant gives a principal a ``SpaceRole`` (viewer, member, manager) in a
space and the spaces below it; the role a scope carries is the highest along the space's chain.
The server-wide role only says who is an admin (a manager everywhere).
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
    """The server-wide role: admins act everywhere; everyone else by their grants."""

    ADMIN = "admin"
    MEMBER = "member"
    GUEST = "guest"


class SpaceRole(StrEnum):
    """The role a grant gives in a space and its children, weakest first.

    Viewers read; members also add images and change their own; managers change everything.
    """

    VIEWER = "viewer"
    MEMBER = "member"
    MANAGER = "manager"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {SpaceRole.VIEWER: 0, SpaceRole.MEMBER: 1, SpaceRole.MANAGER: 2}


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


GUEST = Actor(principal_id=None, role=Role.GUEST)


@dataclass(frozen=True)
class Scope:
    """Proof that ``actor`` may act in ``space`` as ``role``; made only by this module's
    functions."""

    space: SpaceRecord
    actor: Actor
    role: SpaceRole = SpaceRole.MEMBER

    @property
    def space_id(self) -> int:
        return self.space.id

    @property
    def manages(self) -> bool:
        """Managers (admins included) see private images and change other people's."""
        return self.role is SpaceRole.MANAGER

    def owns(self, uploader_id: int | None) -> bool:
        """Whether the actor is the (known) principal ``uploader_id``."""
        return uploader_id is not None and uploader_id == self.actor.principal_id


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
    list is empty, so reads never write. A space the actor holds no grant on is Forbidden, and
    so is a ``write`` by a viewer. A space made here gets its kind's seed from ``seeds`` (see
    ``spaces.ensure``).
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

    Spaces have fixed parents: a child belongs to the parent it was made under, and only an
    admin makes children (here, on a write) or moves them (``spaces.move``).

    - An unknown parent is made (or unborn) on an admin's use; for anyone else it is Forbidden.
    - An unknown child is made (or unborn) under the parent on an admin's use. For anyone else
      it is NotFound if they may enter the parent, else Forbidden (a stranger learns nothing of
      which children exist); so nobody but an admin claims an unused id.
    - A child that belongs to another parent is NotFound, whatever grants the actor holds.
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
        # A child is only ever entered through its own parent. One made before parents were
        # fixed (no parent yet) is placed by an admin's write, never by other grants.
        if space.parent_id is not None or not (actor.is_admin and write):
            raise NotFound(kind, external_id)
        space.parent_id = parent.id
    if space is None:
        if not actor.is_admin:
            raise NotFound(kind, external_id)
        if not write:
            return Scope(space=_unborn(kind, external_id, parent), actor=actor, role=ADMIN_ROLE)
        space = spaces.ensure(session, kind, external_id, parent=parent, seeds=seeds)
    role = role_in(session, actor, space)
    if role is None:
        raise Forbidden(f"no access to {kind} {external_id}")
    if write and role is SpaceRole.VIEWER:
        raise Forbidden(f"viewers of {kind} {external_id} may only read")
    return Scope(space=space_record(space), actor=actor, role=role)


ADMIN_ROLE = SpaceRole.MANAGER  # what an admin is in every space


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
            return Scope(space=_unborn(*child_ref), actor=actor, role=ADMIN_ROLE)
        parent = spaces.ensure(session, *parent_ref, seeds=seeds)
    if spaces.find(session, *child_ref) is None:
        if not actor.is_admin:
            if role_in(session, actor, parent) is None:
                raise Forbidden(f"no access to {parent_ref[0]} {parent_ref[1]}")
            raise NotFound(*child_ref)
        if not write:
            return Scope(space=_unborn(*child_ref, parent), actor=actor, role=ADMIN_ROLE)
        spaces.ensure(session, *child_ref, parent=parent, seeds=seeds)
    return enter_in(session, actor, *child_ref, write=write, parent=parent)


def _unborn(kind: str, external_id: str, parent: Space | None = None) -> SpaceRecord:
    return SpaceRecord(
        id=UNBORN, kind=kind, external_id=external_id, parent_id=parent.id if parent else None
    )


def may_enter(session: Session, actor: Actor, space: Space) -> bool:
    """Admins enter every space; others need a grant on it or on one of its ancestors."""
    return role_in(session, actor, space) is not None


def role_in(session: Session, actor: Actor, space: Space) -> SpaceRole | None:
    """The actor's role in ``space``: the highest their grants give on it or an ancestor; a
    manager's for admins; None without any grant."""
    return _role_on(session, actor, space, *spaces.ancestors(session, space))


def _role_on(session: Session, actor: Actor, *chain: Space) -> SpaceRole | None:
    if actor.is_admin:
        return ADMIN_ROLE
    if actor.principal_id is None or not chain:
        return None
    held = session.scalars(
        select(Grant.role).where(
            Grant.principal_id == actor.principal_id, Grant.space_id.in_([s.id for s in chain])
        )
    )
    roles = [SpaceRole(role) for role in held]
    return max(roles, key=lambda role: role.rank) if roles else None


def trusted_scope(space: Space | SpaceRecord, actor: Actor, role: SpaceRole | None = None) -> Scope:
    """A scope for work the system does on its own behalf (gc, CLI imports), never for requests.

    ``role`` defaults to a manager's for admins, a member's for anyone else.
    """
    record = space if isinstance(space, SpaceRecord) else space_record(space)
    if role is None:
        role = ADMIN_ROLE if actor.is_admin else SpaceRole.MEMBER
    return Scope(space=record, actor=actor, role=role)


# --- personal spaces: entered by ownership, not by grants ----------------------------------------
# The owner changes their own space. Anyone else needs a manager's grant on it (a user's space is
# ``personal:<id>``; the guests' space ``personal:guests``) or on a space above it; admins
# manage every one.


def may_see(session: Session, actor: Actor, user: PrincipalRecord | Principal) -> bool:
    """Active users are seen by everybody (guests included); inactive ones by themselves and
    those who manage them."""
    return user.active or may_manage(session, actor, user.id)


def may_manage(session: Session, actor: Actor, owner_id: int | None) -> bool:
    """Whether ``actor`` changes the images of user ``owner_id``'s personal space (None: the
    guests' space): the owner, admins, and holders of a manager grant on that space or above."""
    if actor.is_admin or (owner_id is not None and actor.principal_id == owner_id):
        return True
    if actor.principal_id is None:
        return False
    space = spaces.find(session, PERSONAL_SPACE, GUESTS if owner_id is None else str(owner_id))
    return space is not None and role_in(session, actor, space) is SpaceRole.MANAGER


def manages_user(rt: Runtime, actor: Actor, owner_id: int | None) -> bool:
    """``may_manage`` in a read of its own."""
    with rt.reading() as session:
        return may_manage(session, actor, owner_id)


def manages_some_user(rt: Runtime, actor: Actor) -> bool:
    """Whether ``actor`` holds a manager's grant on some personal space (Cyclos calls them
    brokers). Reads only."""
    if actor.principal_id is None:
        return False
    with rt.reading() as session:
        found = session.scalar(
            select(Grant.id)
            .join(Space, Space.id == Grant.space_id)
            .where(
                Grant.principal_id == actor.principal_id,
                Grant.role == SpaceRole.MANAGER,
                Space.kind == PERSONAL_SPACE,
            )
            .limit(1)
        )
        return found is not None


def sees_user(rt: Runtime, actor: Actor, user: PrincipalRecord) -> bool:
    """``may_see`` in a read of its own."""
    if user.active:
        return True
    with rt.reading() as session:
        return may_see(session, actor, user)


def may_view(session: Session, actor: Actor, owner_id: int | None, policy: AlbumPolicy) -> bool:
    """Albums whose policy is ``visible_to_guests`` are seen by anyone who may see the owner;
    the others by those who may change them."""
    return policy.visible_to_guests or may_manage(session, actor, owner_id)


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

    - those who manage the space (``may_manage``) change and view, as its managers; a write
      makes the space on first use;
    - anyone who may see the owner views albums whose policy is ``visible_to_guests``, as a
      viewer;
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
    if owner is None or not may_see(session, actor, owner):
        raise NotFound("user", owner_id)  # a user one may not see is one that does not exist
    manages = may_manage(session, actor, owner_id)
    if not manages and (write or not policy.visible_to_guests):
        refuse(actor, f"no access to the images of user {owner_id}")
    role = SpaceRole.MANAGER if manages else SpaceRole.VIEWER
    return _personal(session, actor, str(owner_id), write=write, role=role)


def enter_guests(rt: Runtime, actor: Actor, *, write: bool) -> Scope:
    """The guests' personal space, shared by every guest. Anyone enters it, as a member: each
    guest identity keeps its own album there (``core.temporary``), which is how guests never see
    each other's images; changing an image of another identity takes a manager of the space
    (``may_manage``), whose scope says so."""
    with _session(rt, write) as session:
        manages = may_manage(session, actor, None)
        role = SpaceRole.MANAGER if manages else SpaceRole.MEMBER
        return _personal(session, actor, GUESTS, write=write, role=role)


def _personal(
    session: Session, actor: Actor, external_id: str, *, write: bool, role: SpaceRole
) -> Scope:
    space = spaces.find(session, PERSONAL_SPACE, external_id)
    if space is None:
        if not write:
            return Scope(space=_unborn(PERSONAL_SPACE, external_id), actor=actor, role=role)
        space = spaces.ensure(session, PERSONAL_SPACE, external_id)
    return Scope(space=space_record(space), actor=actor, role=role)
