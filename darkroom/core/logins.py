"""Login sessions and access clients: the tokens a user gets for a device or a program.

- A session is a token with a sliding idle timeout (``SESSION_IDLE_TIMEOUT``, 30 minutes); a
  caller may ask for a shorter one, never a longer one. Logging out revokes it.
- An access client is a long-lived token bound to one user. It is issued directly (CLI), or as
  a one-time activation code that the user, once authenticated, turns into the token; the token
  then carries the prefix the user chose, which is never stored or returned in clear.
All of them are stored as SHA-256 only (``accounts``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from darkroom.core import accounts
from darkroom.core.accounts import CredentialKind, IssuedToken
from darkroom.core.clock import utcnow
from darkroom.core.errors import Invalid, NotFound
from darkroom.core.models import Credential, Principal

SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
ACTIVATION_CODE_TTL = timedelta(days=7)
MAX_PREFIX = 64


def open_session(
    session: Session, principal: Principal, *, timeout_s: int | None = None
) -> IssuedToken:
    """A new login session of ``principal``, idle for at most ``timeout_s`` seconds if given
    (never longer than ``SESSION_IDLE_TIMEOUT``)."""
    if timeout_s is not None and timeout_s <= 0:
        raise Invalid("a session timeout must be positive", field="timeoutInSeconds")
    idle = SESSION_IDLE_TIMEOUT
    if timeout_s is not None and timeout_s < idle.total_seconds():
        idle = timedelta(seconds=timeout_s)
    return accounts.issue_token(
        session, principal, CredentialKind.SESSION, label="session", idle_timeout=idle
    )


def close_session(session: Session, token: str) -> bool:
    """End the session ``token``; False when it was not a live session."""
    return accounts.revoke_token(session, token, CredentialKind.SESSION)


def issue_access_client(session: Session, principal: Principal, *, label: str = "") -> IssuedToken:
    """A new, active access client of ``principal``."""
    return accounts.issue_token(
        session, principal, CredentialKind.ACCESS_CLIENT, label=label or "access client"
    )


def issue_activation_code(
    session: Session, principal: Principal, *, label: str = ""
) -> IssuedToken:
    """A one-time code with which ``principal`` activates a new access client."""
    return accounts.issue_token(
        session,
        principal,
        CredentialKind.ACCESS_CLIENT_CODE,
        label=label or "access client",
        ttl=ACTIVATION_CODE_TTL,
        prefix="",
    )


def activate(session: Session, principal: Principal, code: str, *, prefix: str = "") -> IssuedToken:
    """Turn ``principal``'s activation ``code`` into an access client.

    The returned token is the part after ``prefix``: the client sends ``prefix + token``.
    NotFound("accessClient") when the code is unknown, used, expired or someone else's.
    """
    if len(prefix) > MAX_PREFIX or not prefix.isprintable():
        raise Invalid(f"a prefix is at most {MAX_PREFIX} printable characters", field="prefix")
    found = accounts.find_token(session, code, CredentialKind.ACCESS_CLIENT_CODE)
    if not _usable(found, principal):
        raise NotFound("accessClient", "activation code")
    assert found is not None
    found.revoked_at = utcnow()
    issued = accounts.issue_token(
        session, principal, CredentialKind.ACCESS_CLIENT, label=found.label, prefix=prefix
    )
    return IssuedToken(token=issued.token[len(prefix) :], credential=issued.credential)


def disconnect(session: Session, token: str) -> bool:
    """Revoke the access client ``token``; False when it was not a live one."""
    return accounts.revoke_token(session, token, CredentialKind.ACCESS_CLIENT)


def credential(session: Session, token: str, kind: CredentialKind) -> Credential | None:
    """The credential behind a token already authenticated (to name the access client)."""
    return accounts.find_token(session, token, kind)


def _usable(found: Credential | None, principal: Principal) -> bool:
    return (
        found is not None
        and found.principal_id == principal.id
        and found.revoked_at is None
        and (found.expires_at is None or found.expires_at > utcnow())
    )
