"""Principals, their credentials and grants.

Passwords are stored as salted scrypt hashes. Tokens (API tokens, login sessions, access clients)
are random strings shown once; only their SHA-256 is stored, which is also how they are found.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darkroom.clock import utcnow
from darkroom.core.access import Actor, Role, SpaceRole
from darkroom.core.records import PrincipalRecord, principal_record
from darkroom.core.runtime import Runtime
from darkroom.db.models import Credential, Grant, Principal, Space
from darkroom.errors import Conflict, Invalid, NotFound, Unauthorized

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
TOKEN_BYTES = 32


class CredentialKind(StrEnum):
    PASSWORD = "password"
    TOKEN = "token"  # long-lived API token, sent as a Bearer credential
    SESSION = "session"  # login session with an idle timeout (``core.logins``)
    ACCESS_CLIENT = "access-client"  # a program's long-lived token (``core.logins``)
    ACCESS_CLIENT_CODE = "access-code"  # one-time code that activates an access client


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


class _VerifiedPasswords:
    """Recent successful checks, so clients that send Basic credentials on every request pay
    for scrypt once, not per request. Only successes are kept, under an HMAC with a
    per-process key (no password stays in memory); a changed stored hash never matches.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._key = secrets.token_bytes(32)
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def _tag(self, password: str, stored: str) -> bytes:
        return hmac.digest(self._key, f"{stored}\0{password}".encode(), "sha256")

    def __contains__(self, pair: tuple[str, str]) -> bool:
        tag = self._tag(*pair)
        with self._lock:
            if tag in self._seen:
                self._seen.move_to_end(tag)
                return True
        return False

    def add(self, pair: tuple[str, str]) -> None:
        tag = self._tag(*pair)
        with self._lock:
            self._seen[tag] = None
            if len(self._seen) > self._size:
                self._seen.popitem(last=False)


_verified = _VerifiedPasswords(size=1024)


def verify_password(password: str, stored: str) -> bool:
    if (password, stored) in _verified:
        return True
    if _scrypt_matches(password, stored):
        _verified.add((password, stored))
        return True
    return False


def _scrypt_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual.hex(), digest)


@cache
def _decoy_hash() -> str:
    """A hash no password matches, made once, to check against when the user has none."""
    return hash_password(secrets.token_urlsafe(16))


def _token_lookup(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(principal: Principal) -> Actor:
    return Actor(principal_id=principal.id, role=Role(principal.role), name=principal.name)


def find_principal(session: Session, name: str) -> Principal | None:
    return session.scalar(select(Principal).where(Principal.name == name))


def get_principal(session: Session, name: str) -> Principal:
    principal = find_principal(session, name)
    if principal is None:
        raise NotFound("user", name)
    return principal


def principal_named(rt: Runtime, name: str) -> PrincipalRecord:
    """The user called ``name``; NotFound("user") when there is none. Reads only."""
    with rt.reading() as session:
        return principal_record(get_principal(session, name))


def create_principal(
    session: Session,
    name: str,
    *,
    password: str | None = None,
    role: Role = Role.MEMBER,
    email: str | None = None,
    display_name: str = "",
) -> Principal:
    if not name or len(name) > 255 or name != name.strip():
        raise Invalid("user name must be 1-255 characters without surrounding spaces", field="name")
    if str(role) == SpaceRole.MANAGER.value:
        raise Invalid(
            "manager is a role in a space, given by a grant (grants add ... --role manager)",
            field="role",
        )
    try:
        role = Role(role)  # a plain string from a form or the CLI is checked too
    except ValueError:
        raise Invalid(f"unknown role {role!r}", field="role") from None
    if role is Role.GUEST:
        raise Invalid("guest is not a role a user can have", field="role")
    if find_principal(session, name) is not None:
        raise Conflict(f"user {name!r} already exists")
    principal = Principal(name=name, role=role, email=email, display_name=display_name or name)
    session.add(principal)
    session.flush()
    if password is not None:
        set_password(session, principal, password)
    return principal


def set_password(session: Session, principal: Principal, password: str) -> None:
    if not password:
        raise Invalid("password must not be empty", field="password")
    session.execute(
        delete(Credential).where(
            Credential.principal_id == principal.id, Credential.kind == CredentialKind.PASSWORD
        )
    )
    session.add(
        Credential(
            principal_id=principal.id,
            kind=CredentialKind.PASSWORD,
            secret_hash=hash_password(password),
        )
    )


def ensure_admin(session: Session, name: str, password: str) -> Principal:
    """Create the admin ``name``, or make the existing user an active admin with this password.

    Safe when several instances start at once on a new database: one creates the user, the
    others find it (after the creator's commit) and set the same role and password.
    """
    principal = find_principal(session, name)
    if principal is None:
        try:
            with session.begin_nested():
                return create_principal(session, name, password=password, role=Role.ADMIN)
        except IntegrityError:
            principal = find_principal(session, name)
            if principal is None:
                raise
    principal.role = Role.ADMIN
    principal.active = True
    set_password(session, principal, password)
    return principal


def password_actor(rt: Runtime, name: str, password: str) -> Actor:
    """The actor whose password ``password`` is, else Unauthorized("login").

    Only reads, and the hash is checked after the transaction ends: a flood of wrong passwords
    costs CPU, never a database lock that writers would wait behind.
    """
    with rt.reading() as session:
        principal = find_principal(session, name)
        stored = _password_hash(session, principal)
        actor = actor_of(principal) if principal is not None and principal.active else None
    _check_password(password, stored)
    if actor is None:
        raise _wrong_password()
    return actor


def _wrong_password() -> Unauthorized:
    return Unauthorized("wrong user name or password", reason="login")


def _password_hash(session: Session, principal: Principal | None) -> str | None:
    if principal is None:
        return None
    return session.scalar(
        select(Credential.secret_hash).where(
            Credential.principal_id == principal.id, Credential.kind == CredentialKind.PASSWORD
        )
    )


def _check_password(password: str, stored: str | None) -> None:
    # Unknown names are checked against a decoy hash: one scrypt either way, so the time taken
    # does not tell which names exist.
    matches = verify_password(password, stored if stored is not None else _decoy_hash())
    if not matches or stored is None:
        raise _wrong_password()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    credential: Credential


def issue_token(
    session: Session,
    principal: Principal,
    kind: CredentialKind = CredentialKind.TOKEN,
    *,
    label: str = "",
    ttl: timedelta | None = None,
    idle_timeout: timedelta | None = None,
    prefix: str = "drk_",
) -> IssuedToken:
    """A new random token for ``principal``; the plaintext is returned here and nowhere else."""
    if kind is CredentialKind.PASSWORD:
        raise Invalid("passwords are set, not issued", field="kind")
    token = prefix + secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    credential = Credential(
        principal_id=principal.id,
        kind=kind,
        lookup=_token_lookup(token),
        secret_hash="sha256",
        label=label,
        created_at=now,
        expires_at=now + ttl if ttl else None,
        idle_timeout_s=int(idle_timeout.total_seconds()) if idle_timeout else None,
        last_used_at=now,
    )
    session.add(credential)
    session.flush()
    return IssuedToken(token=token, credential=credential)


TOUCH_EVERY = timedelta(minutes=1)  # how stale a credential's last-use time may get


def token_actor(
    rt: Runtime, token: str, kind: CredentialKind, *, now: datetime | None = None
) -> Actor:
    """The actor holding ``token`` of ``kind``, else Unauthorized(reason="invalid").

    Reads only. The credential's last-use time (the idle timer of sessions) is written in a
    short transaction of its own, and only when it is older than ``TOUCH_EVERY`` (never back: a
    slow request must not shorten a session).
    """
    now = now or utcnow()
    with rt.reading() as session:
        credential, principal = _holder(session, token, kind, now)
        stale = credential.last_used_at is None or now - credential.last_used_at >= TOUCH_EVERY
        credential_id, actor = credential.id, actor_of(principal)
    if stale:
        _touch(rt, credential_id, now)
    return actor


def _holder(
    session: Session, token: str, kind: CredentialKind, now: datetime
) -> tuple[Credential, Principal]:
    credential = session.scalar(
        select(Credential).where(Credential.kind == kind, Credential.lookup == _token_lookup(token))
    )
    if credential is None or credential.revoked_at is not None or _expired(credential, now):
        raise Unauthorized("invalid or expired token", reason="invalid")
    principal = session.get(Principal, credential.principal_id)
    if principal is None or not principal.active:
        raise Unauthorized("invalid or expired token", reason="invalid")
    return credential, principal


def _touch(rt: Runtime, credential_id: int, now: datetime) -> None:
    with rt.transaction() as session:
        session.execute(
            update(Credential)
            .where(
                Credential.id == credential_id,
                or_(Credential.last_used_at.is_(None), Credential.last_used_at < now),
            )
            .values(last_used_at=now)
        )


def _expired(credential: Credential, now: datetime) -> bool:
    if credential.expires_at is not None and now >= credential.expires_at:
        return True
    if credential.idle_timeout_s is not None and credential.last_used_at is not None:
        return now >= credential.last_used_at + timedelta(seconds=credential.idle_timeout_s)
    return False


def find_token(session: Session, token: str, kind: CredentialKind) -> Credential | None:
    """The credential row of ``token`` (live or not), to report on it; never authenticates."""
    return session.scalar(
        select(Credential).where(Credential.kind == kind, Credential.lookup == _token_lookup(token))
    )


def revoke_token(session: Session, token: str, kind: CredentialKind) -> bool:
    """Revoke ``token``; False when no such live token existed."""
    credential = session.scalar(
        select(Credential).where(
            Credential.kind == kind,
            Credential.lookup == _token_lookup(token),
            Credential.revoked_at.is_(None),
        )
    )
    if credential is None:
        return False
    credential.revoked_at = utcnow()
    return True


def add_grant(
    session: Session, principal: Principal, space: Space, *, role: SpaceRole = SpaceRole.MEMBER
) -> Grant:
    """Let ``principal`` act in ``space`` (and the spaces below it) as ``role``; a grant they
    already hold there takes the new role."""
    try:
        role = SpaceRole(role)  # a plain string from a form or the CLI is checked too
    except ValueError:
        known = "use viewer, member or manager"
        raise Invalid(f"unknown role {role!r}; {known}", field="role") from None
    existing = session.scalar(
        select(Grant).where(Grant.principal_id == principal.id, Grant.space_id == space.id)
    )
    if existing is not None:
        existing.role = role
        session.flush()
        return existing
    grant = Grant(principal_id=principal.id, space_id=space.id, role=role)
    session.add(grant)
    session.flush()
    return grant


def remove_grant(session: Session, principal: Principal, space: Space) -> bool:
    result = session.execute(
        delete(Grant).where(Grant.principal_id == principal.id, Grant.space_id == space.id)
    )
    return bool(getattr(result, "rowcount", 0))
