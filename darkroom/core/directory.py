"""Finding users by the identifications clients give: id, login name, e-mail.

Who may see whom is decided here too, so every door agrees: active users are visible to
everybody (guests included); inactive ones only to managers.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core import accounts
from darkroom.core.access import Actor
from darkroom.core.errors import NotFound, Unauthorized
from darkroom.core.filters import INT64_MAX
from darkroom.core.models import Principal


class PrincipalType(StrEnum):
    """Which identification a login or a user reference names."""

    LOGIN_NAME = "username"
    EMAIL = "email"


def by_id(session: Session, user_id: int) -> Principal | None:
    if not 0 < user_id <= INT64_MAX:
        return None
    return session.get(Principal, user_id)


def by_email(session: Session, email: str) -> Principal | None:
    """The user with this e-mail; None when nobody or more than one user has it."""
    found = list(session.scalars(select(Principal).where(Principal.email == email).limit(2)))
    return found[0] if len(found) == 1 else None


def by_identification(
    session: Session, text: str, principal_type: PrincipalType | None = None
) -> Principal | None:
    """The user whose login name (then, unless a type is given, e-mail) is ``text``."""
    if principal_type is PrincipalType.EMAIL:
        return by_email(session, text)
    found = accounts.find_principal(session, text)
    if found is None and principal_type is None:
        found = by_email(session, text)
    return found


def visible(actor: Actor, principal: Principal) -> bool:
    return principal.active or actor.manages or actor.principal_id == principal.id


def require_visible(actor: Actor, principal: Principal | None, key: str) -> Principal:
    """``principal`` if ``actor`` may see it; NotFound("user", key) otherwise."""
    if principal is None or not visible(actor, principal):
        raise NotFound("user", key)
    return principal


def myself(session: Session, actor: Actor) -> Principal:
    """The actor's own user; a guest has none (Unauthorized, reason "missing")."""
    if actor.principal_id is None:
        raise Unauthorized("this operation needs a logged-in user")
    principal = session.get(Principal, actor.principal_id)
    if principal is None:
        raise Unauthorized("this operation needs a logged-in user")
    return principal


def authenticate(
    session: Session, principal: str, password: str, principal_type: PrincipalType | None = None
) -> Principal:
    """Check a password given with a login name or e-mail; Unauthorized("login") when wrong."""
    if principal_type is PrincipalType.EMAIL:
        user = by_email(session, principal)
        # An unknown e-mail still costs one scrypt (against a name no user can have), so the
        # time taken does not tell which e-mails exist.
        return accounts.authenticate_password(session, user.name if user else "", password)
    return accounts.authenticate_password(session, principal, password)
