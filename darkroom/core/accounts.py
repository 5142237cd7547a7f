"""Principals, their credentials and grants.

Passwords are stored as salted scrypt hashes. Tokens (API tokens, login sessions, access clients)
are random strings shown once; only their SHA-256 is stored, which is also how they are found.

scrypt (about 40 ms) never runs inside a database transaction: passwords are hashed first
(``HashedPassword``) and checked after the lookup's transaction ended, so a flood of wrong
passwords costs CPU, never a lock that writers wait behind. Failed checks are throttled per
client address and user name (``core.throttle``, ``Runtime.login_throttle``).
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


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """The one place scrypt runs (tests wrap it to prove no transaction is open meanwhile)."""
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


@dataclass(frozen=True)
class HashedPassword:
    """A password already hashed, to store inside a transaction without running scrypt there."""

    stored: str

    @classmethod
    def of(cls, password: str) -> HashedPassword:
        """Hash ``password`` (call this before opening a transaction); Invalid when empty."""
        if not password:
            raise Invalid("password must not be empty", field="password")
        return cls(hash_password(password))


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

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


_verified = _VerifiedPasswords(size=1024)
# (password, user name) of the same successes: lets a throttled address's known-good client past
# the early refusal, which is made before any database read.
_verified_names = _VerifiedPasswords(size=1024)


def forget_verified_passwords() -> None:
    """Empty this process's verified-password cache (after a password change or deactivation).

    Entries are keyed by the stored hash, so a changed password never matches an old entry in
    any process; this only drops what can no longer be used, at once.
    """
    _verified.clear()
    _verified_names.clear()


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
        actual = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
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
    password: str | HashedPassword | None = None,
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


def set_password(session: Session, principal: Principal, password: str | HashedPassword) -> None:
    """Replace ``principal``'s password. Pass a ``HashedPassword`` when a transaction is open (a
    plain string is hashed here, which only fixtures that hold no lock may do)."""
    hashed = password if isinstance(password, HashedPassword) else HashedPassword.of(password)
    session.execute(
        delete(Credential).where(
            Credential.principal_id == principal.id, Credential.kind == CredentialKind.PASSWORD
        )
    )
    session.add(
        Credential(
            principal_id=principal.id,
            kind=CredentialKind.PASSWORD,
            secret_hash=hashed.stored,
        )
    )


def ensure_admin(session: Session, name: str, password: str | HashedPassword) -> Principal:
    """Create the admin ``name``, or make the existing user an active admin with this password
    (hashed before the transaction by callers that hold one: ``HashedPassword.of``).

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


def password_actor(
    rt: Runtime, name: str, password: str, *, client: str | None = None, named: str | None = None
) -> Actor:
    """The actor whose password ``password`` is, else Unauthorized("login").

    Only reads, and the hash is checked after the transaction ends: a flood of wrong passwords
    costs CPU, never a database lock that writers would wait behind. A check that needs scrypt
    is counted against the client address ``client`` and the user name (``named``: what the
    client typed, when that is not ``name``), and refused with ``RateLimited`` while they must
    wait (``core.throttle``); a password verified recently is accepted without asking.
    """
    if client is not None and (password, name) not in _verified_names:
        rt.login_throttle.refuse_waiting(client)  # a flood costs no database read
    with rt.reading() as session:
        principal = find_principal(session, name)
        stored = _password_hash(session, principal)
        actor = actor_of(principal) if principal is not None and principal.active else None
    if actor is not None and stored is not None and (password, stored) in _verified:
        return actor
    user = named if named is not None else name
    attempt = rt.login_throttle.attempt(address=client, user=user)
    with rt.login_throttle.checking(attempt):
        _check_password(password, stored)
    if actor is None:
        raise _wrong_password()
    rt.login_throttle.succeeded(attempt)
    _verified_names.add((password, name))
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
    rt: Runtime,
    token: str,
    kind: CredentialKind,
    *,
    now: datetime | None = None,
    client: str | None = None,
) -> Actor:
    """The actor holding ``token`` of ``kind``, else Unauthorized(reason="invalid").

    Reads only, and caches nothing: a revoked or expired token, or one of a deactivated user,
    is refused by every instance at its next request. The credential's last-use time (the idle
    timer of sessions) is written in a short transaction of its own, and only when it is older
    than ``TOUCH_EVERY`` (never back: a slow request must not shorten a session). A wrong token
    counts as a failed login of the client address ``client``: once it must wait, wrong tokens
    get ``RateLimited`` instead of Unauthorized (a valid token is never refused).
    """
    now = now or utcnow()
    session_max = timedelta(seconds=rt.settings.session_max_seconds)
    with rt.reading() as session:
        try:
            credential, principal = _holder(session, token, kind, now, session_max)
        except Unauthorized:
            if client is not None:
                rt.login_throttle.attempt(address=client, user=None)
            raise
        stale = credential.last_used_at is None or now - credential.last_used_at >= TOUCH_EVERY
        credential_id, actor = credential.id, actor_of(principal)
    if stale:
        _touch(rt, credential_id, now)
    return actor


def _holder(
    session: Session, token: str, kind: CredentialKind, now: datetime, session_max: timedelta
) -> tuple[Credential, Principal]:
    credential = session.scalar(
        select(Credential).where(Credential.kind == kind, Credential.lookup == _token_lookup(token))
    )
    if (
        credential is None
        or credential.revoked_at is not None
        or _expired(credential, now)
        or (kind is CredentialKind.SESSION and now >= credential.created_at + session_max)
    ):
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
