"""The life cycle of credentials, for administrators (CLI and admin API): list and revoke
tokens, sessions and access clients by id, issue tokens that expire, deactivate and reactivate
users, change passwords.

Nothing here or in ``accounts`` caches whether a credential is valid: every request reads the
credential row and its user's ``active`` flag, so a revocation, an expiry, a deactivation or a
password change holds on every instance from its next request (the bound is 0 s). The only
cache is the verified-password one, keyed by the stored hash, which a changed password never
matches (``accounts.forget_verified_passwords``). Listings never carry secrets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from darkroom.clock import utcnow
from darkroom.core import accounts
from darkroom.core.accounts import CredentialKind, HashedPassword
from darkroom.core.runtime import Runtime
from darkroom.db.models import Credential, Principal
from darkroom.errors import Invalid, NotFound

TOKENS = (CredentialKind.TOKEN,)
ACCESS_CLIENTS = (CredentialKind.ACCESS_CLIENT, CredentialKind.ACCESS_CLIENT_CODE)
LISTED = (CredentialKind.TOKEN, CredentialKind.SESSION, *ACCESS_CLIENTS)  # never passwords


@dataclass(frozen=True)
class CredentialInfo:
    """What may be shown of a credential: never its secret nor its hash."""

    id: int
    user: str
    kind: str
    label: str
    created: datetime
    expires: datetime | None
    last_used: datetime | None
    revoked: datetime | None

    def state(self, now: datetime | None = None) -> str:
        """``revoked``, ``expired`` or ``live`` (sessions may also have idled out)."""
        if self.revoked is not None:
            return "revoked"
        if self.expires is not None and (now or utcnow()) >= self.expires:
            return "expired"
        return "live"


@dataclass(frozen=True)
class UserState:
    name: str
    active: bool


def list_credentials(
    rt: Runtime, *, user: str | None = None, kinds: Iterable[CredentialKind] = LISTED
) -> list[CredentialInfo]:
    """Credentials of ``kinds`` (of ``user`` if given), oldest first; NotFound("user")."""
    with rt.reading() as session:
        query = (
            select(Credential, Principal.name)
            .join(Principal, Principal.id == Credential.principal_id)
            .where(Credential.kind.in_([CredentialKind(kind).value for kind in kinds]))
            .order_by(Credential.id)
        )
        if user is not None:
            query = query.where(Credential.principal_id == accounts.get_principal(session, user).id)
        return [_info(credential, name) for credential, name in session.execute(query)]


def issue_token(
    rt: Runtime, user: str, *, label: str = "", expires_in: timedelta | None = None
) -> tuple[str, CredentialInfo]:
    """A new API token of ``user`` (its plaintext, shown once, and its listing), valid for
    ``expires_in`` if given, else until revoked."""
    if expires_in is not None and expires_in <= timedelta(0):
        raise Invalid("a token's lifetime must be positive", field="expires")
    with rt.transaction() as session:
        principal = accounts.get_principal(session, user)
        issued = accounts.issue_token(session, principal, label=label, ttl=expires_in)
        return issued.token, _info(issued.credential, principal.name)


def revoke(
    rt: Runtime, credential_id: int, *, kinds: Iterable[CredentialKind] = LISTED
) -> CredentialInfo:
    """Revoke credential ``credential_id`` (one of ``kinds``); revoking twice keeps the first
    time. NotFound("credential") when there is no such credential of those kinds."""
    with rt.transaction() as session:
        found = session.execute(
            select(Credential, Principal.name)
            .join(Principal, Principal.id == Credential.principal_id)
            .where(
                Credential.id == credential_id,
                Credential.kind.in_([CredentialKind(kind).value for kind in kinds]),
            )
        ).first()
        if found is None:
            raise NotFound("credential", credential_id)
        credential, name = found[0], found[1]
        if credential.revoked_at is None:
            credential.revoked_at = utcnow()
        return _info(credential, name)


def set_active(rt: Runtime, user: str, active: bool) -> UserState:
    """Deactivate or reactivate ``user``. A deactivated user's passwords, tokens, sessions and
    access clients are refused at once on every door; their sessions are also ended, so a
    reactivation restores tokens and access clients (revoke those to end them) but no session.
    """
    with rt.transaction() as session:
        principal = accounts.get_principal(session, user)
        principal.active = active
        if not active:
            _end_sessions(session, principal.id)
        state = UserState(principal.name, principal.active)
    accounts.forget_verified_passwords()
    return state


def change_password(rt: Runtime, user: str, password: str) -> int:
    """Give ``user`` a new password and end all their sessions; how many were ended.

    Hashed before the transaction opens; the verified-password cache is emptied after.
    """
    hashed = HashedPassword.of(password)
    with rt.transaction() as session:
        principal = accounts.get_principal(session, user)
        accounts.set_password(session, principal, hashed)
        ended = _end_sessions(session, principal.id)
    accounts.forget_verified_passwords()
    return ended


def _end_sessions(session: Session, principal_id: int) -> int:
    result = session.execute(
        update(Credential)
        .where(
            Credential.principal_id == principal_id,
            Credential.kind == CredentialKind.SESSION,
            Credential.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _info(credential: Credential, user: str) -> CredentialInfo:
    return CredentialInfo(
        id=credential.id,
        user=user,
        kind=credential.kind,
        label=credential.label,
        created=credential.created_at,
        expires=credential.expires_at,
        last_used=credential.last_used_at,
        revoked=credential.revoked_at,
    )
