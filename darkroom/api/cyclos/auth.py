"""Who is calling (spec §2): HTTP Basic, ``Session-Token`` and ``Access-Client-Token``, on every
operation, alone or together.

The generated client always sends Basic on secured operations, as ``Basic Og==`` (empty
credentials) when it has none, next to its tokens: empty Basic counts as absent. Every
credential that is present must be valid, and all must name the same user; none is a guest.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import Headers

from darkroom.api.common.auth import parse_basic
from darkroom.core import accounts, directory
from darkroom.core.access import GUEST, Actor
from darkroom.core.accounts import CredentialKind
from darkroom.core.directory import PrincipalType
from darkroom.core.runtime import Runtime
from darkroom.errors import Unauthorized

SESSION_HEADER = "Session-Token"
ACCESS_CLIENT_HEADER = "Access-Client-Token"
PRINCIPAL_TYPE_HEADER = "Principal-Type"

# Spellings of the Principal-Type header (Cyclos internal names of principal types).
PRINCIPAL_TYPES = {
    "username": PrincipalType.LOGIN_NAME,
    "login": PrincipalType.LOGIN_NAME,
    "loginname": PrincipalType.LOGIN_NAME,
    "user": PrincipalType.LOGIN_NAME,
    "email": PrincipalType.EMAIL,
    "e-mail": PrincipalType.EMAIL,
}


@dataclass(frozen=True)
class Caller:
    """The authenticated user (or a guest) and how they proved it."""

    actor: Actor
    principal_text: str | None = None  # what Basic named the user by
    principal_type: PrincipalType = PrincipalType.LOGIN_NAME
    session_token: str | None = None
    access_client_token: str | None = None

    def require_user(self) -> int:
        """The caller's user id; a guest gets 401 ``missingAuthorization``."""
        if self.actor.principal_id is None:
            raise Unauthorized("this operation needs a logged-in user")
        return self.actor.principal_id


def identify(rt: Runtime, headers: Headers, client: str | None = None) -> Caller:
    """The caller behind the request's credentials; 401 with the failing scheme's code.

    Reads only (password hashes are checked outside any transaction; a token's idle timer is
    written at most once a minute, on its own), so it runs once per request, before the
    operation. Failed checks count against the client address ``client`` (``core.throttle``).
    """
    basic = parse_basic(headers.get("authorization"))
    principal_type = _principal_type(headers.get(PRINCIPAL_TYPE_HEADER)) if basic else None
    session_token = headers.get(SESSION_HEADER, "").strip() or None
    client_token = headers.get(ACCESS_CLIENT_HEADER, "").strip() or None
    found: list[Actor] = []
    if basic is not None:
        found.append(directory.password_actor(rt, *basic, principal_type, client=client))
    if session_token is not None:
        found.append(_by_token(rt, session_token, CredentialKind.SESSION, "loggedOut", client))
    if client_token is not None:
        kind = CredentialKind.ACCESS_CLIENT
        found.append(_by_token(rt, client_token, kind, "invalidAccessClient", client))
    if not found:
        return Caller(actor=GUEST)
    if any(actor.principal_id != found[0].principal_id for actor in found):
        raise Unauthorized("the credentials name different users", reason="login")
    return Caller(
        actor=found[0],
        principal_text=basic[0] if basic else None,
        principal_type=principal_type or PrincipalType.LOGIN_NAME,
        session_token=session_token,
        access_client_token=client_token,
    )


def _by_token(
    rt: Runtime, token: str, kind: CredentialKind, code: str, client: str | None
) -> Actor:
    try:
        return accounts.token_actor(rt, token, kind, client=client)
    except Unauthorized:
        raise Unauthorized(f"invalid {kind.value} token", reason=code) from None


def _principal_type(text: str | None) -> PrincipalType | None:
    if text is None or not text.strip():
        return None
    found = PRINCIPAL_TYPES.get(text.strip().lower())
    if found is None:
        raise Unauthorized(f"unknown principal type {text.strip()[:40]!r}", reason="login")
    return found
