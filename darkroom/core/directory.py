"""Finding users by the identifications clients give (id, login name, e-mail), and checking a
password given with one of them. Who may see whom is ``access.may_see``: a user the actor may
not see is not found.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core import access, accounts
from darkroom.core.access import Actor
from darkroom.core.records import PrincipalRecord, principal_record
from darkroom.core.runtime import Runtime
from darkroom.core.values import INT64_MAX
from darkroom.db.models import Principal
from darkroom.errors import NotFound, Unauthorized


class PrincipalType(StrEnum):
    """Which identification a login or a user reference names."""

    LOGIN_NAME = "username"
    EMAIL = "email"


def user_with_id(rt: Runtime, actor: Actor, user_id: int, *, key: str) -> PrincipalRecord:
    """The user ``user_id`` if ``actor`` may see them; NotFound("user", key) otherwise."""
    with rt.reading() as session:
        found = session.get(Principal, user_id) if 0 < user_id <= INT64_MAX else None
        return _visible(session, actor, found, key)


def user_identified_by(rt: Runtime, actor: Actor, text: str, *, key: str) -> PrincipalRecord:
    """The user whose login name, else e-mail, is ``text``, if ``actor`` may see them;
    NotFound("user", key) otherwise."""
    with rt.reading() as session:
        found = accounts.find_principal(session, text) or _by_email(session, text)
        return _visible(session, actor, found, key)


def myself(rt: Runtime, actor: Actor) -> PrincipalRecord:
    """The actor's own user; a guest has none (Unauthorized, reason "missing")."""
    if actor.principal_id is None:
        raise Unauthorized("this operation needs a logged-in user")
    with rt.reading() as session:
        found = session.get(Principal, actor.principal_id)
        if found is None:
            raise Unauthorized("this operation needs a logged-in user")
        return principal_record(found)


def password_actor(
    rt: Runtime,
    identification: str,
    password: str,
    principal_type: PrincipalType | None = None,
    *,
    client: str | None = None,
) -> Actor:
    """The actor whose password ``password`` is, named by login name (or, with
    ``PrincipalType.EMAIL``, by e-mail); Unauthorized("login") when wrong, RateLimited when the
    address ``client`` or the identification failed too often. Reads only."""
    name = identification
    if principal_type is PrincipalType.EMAIL:
        with rt.reading() as session:
            user = _by_email(session, identification)
            # An unknown e-mail still costs one scrypt (against a name no user can have), so the
            # time taken does not tell which e-mails exist.
            name = user.name if user is not None else ""
    return accounts.password_actor(rt, name, password, client=client, named=identification)


def _by_email(session: Session, email: str) -> Principal | None:
    """The user with this e-mail; None when nobody or more than one user has it."""
    found = list(session.scalars(select(Principal).where(Principal.email == email).limit(2)))
    return found[0] if len(found) == 1 else None


def _visible(
    session: Session, actor: Actor, principal: Principal | None, key: str
) -> PrincipalRecord:
    if principal is None or not access.may_see(session, actor, principal):
        raise NotFound("user", key)
    return principal_record(principal)
