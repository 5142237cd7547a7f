"""Login sessions and access clients: the tokens a user gets for a device or a program.

- A session is a token with a sliding idle timeout (``SESSION_IDLE_TIMEOUT``, 30 minutes); a
  caller may ask for a shorter one, never a longer one. However busy, it ends
  ``session_max_seconds`` (12 h) after it was opened. Logging out revokes it.
- An access client is a long-lived token bound to one user. It is issued directly (CLI), or as
  a one-time activation code that the user, once authenticated, turns into the token; the token
  then carries the prefix the user chose, which is never stored or returned in clear.
All of them are stored as SHA-256 only (``accounts``), and found (``accounts.token_actor``)
without writing more than the idle timer, once a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from darkroom.clock import utcnow
from darkroom.core import accounts
from darkroom.core.accounts import CredentialKind, IssuedToken
from darkroom.core.runtime import Runtime
from darkroom.db.models import Credential, Principal
from darkroom.errors import Invalid, NotFound

SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
ACTIVATION_CODE_TTL = timedelta(days=7)
MAX_PREFIX = 64


@dataclass(frozen=True)
class Login:
    """A credential as its holder sees it: its id and label (an access client's name)."""

    id: int
    label: str


@dataclass(frozen=True)
class Issued:
    """A token just issued, shown here and never again, and the credential it is."""

    token: str
    login: Login


def open_session(rt: Runtime, principal_id: int, *, timeout_s: int | None = None) -> Issued:
    """A new login session of user ``principal_id``, idle for at most ``timeout_s`` seconds if
    given (never longer than ``SESSION_IDLE_TIMEOUT``)."""
    if timeout_s is not None and timeout_s <= 0:
        raise Invalid("a session timeout must be positive", field="timeoutInSeconds")
    idle = SESSION_IDLE_TIMEOUT
    if timeout_s is not None and timeout_s < idle.total_seconds():
        idle = timedelta(seconds=timeout_s)
    with rt.transaction() as session:
        principal = session.get_one(Principal, principal_id)
        return _issued(
            accounts.issue_token(
                session,
                principal,
                CredentialKind.SESSION,
                label="session",
                idle_timeout=idle,
                ttl=timedelta(seconds=rt.settings.session_max_seconds),
            )
        )


def close_session(rt: Runtime, token: str) -> bool:
    """End the session ``token``; False when it was not a live session."""
    with rt.transaction() as session:
        return accounts.revoke_token(session, token, CredentialKind.SESSION)


def issue_access_client(rt: Runtime, principal_id: int, *, label: str = "") -> Issued:
    """A new, active access client of user ``principal_id``."""
    with rt.transaction() as session:
        principal = session.get_one(Principal, principal_id)
        kind = CredentialKind.ACCESS_CLIENT
        return _issued(
            accounts.issue_token(session, principal, kind, label=label or "access client")
        )


def issue_activation_code(rt: Runtime, principal_id: int, *, label: str = "") -> Issued:
    """A one-time code with which user ``principal_id`` activates a new access client."""
    with rt.transaction() as session:
        principal = session.get_one(Principal, principal_id)
        issued = accounts.issue_token(
            session,
            principal,
            CredentialKind.ACCESS_CLIENT_CODE,
            label=label or "access client",
            ttl=ACTIVATION_CODE_TTL,
            prefix="",
        )
        return _issued(issued)


def activate(rt: Runtime, principal_id: int, code: str, *, prefix: str = "") -> Issued:
    """Turn user ``principal_id``'s activation ``code`` into an access client.

    The returned token is the part after ``prefix``: the client sends ``prefix + token``.
    NotFound("accessClient") when the code is unknown, used, expired or someone else's.
    """
    if len(prefix) > MAX_PREFIX or not prefix.isprintable():
        raise Invalid(f"a prefix is at most {MAX_PREFIX} printable characters", field="prefix")
    with rt.transaction() as session:
        found = accounts.find_token(session, code, CredentialKind.ACCESS_CLIENT_CODE)
        if found is None or not _usable(found, principal_id):
            raise NotFound("accessClient", "activation code")
        found.revoked_at = utcnow()
        principal = session.get_one(Principal, principal_id)
        issued = accounts.issue_token(
            session, principal, CredentialKind.ACCESS_CLIENT, label=found.label, prefix=prefix
        )
        return Issued(token=issued.token[len(prefix) :], login=_login(issued.credential))


def disconnect(rt: Runtime, token: str) -> bool:
    """Revoke the access client ``token``; False when it was not a live one."""
    with rt.transaction() as session:
        return accounts.revoke_token(session, token, CredentialKind.ACCESS_CLIENT)


def access_client(rt: Runtime, token: str) -> Login | None:
    """The access client behind a token already authenticated (to name it). Reads only."""
    with rt.reading() as session:
        found = accounts.find_token(session, token, CredentialKind.ACCESS_CLIENT)
        return _login(found) if found is not None else None


def _usable(found: Credential, principal_id: int) -> bool:
    return (
        found.principal_id == principal_id
        and found.revoked_at is None
        and (found.expires_at is None or found.expires_at > utcnow())
    )


def _login(credential: Credential) -> Login:
    return Login(id=credential.id, label=credential.label)


def _issued(issued: IssuedToken) -> Issued:
    return Issued(token=issued.token, login=_login(issued.credential))
