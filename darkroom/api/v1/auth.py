"""Who calls ``/v1``: a bearer token (scripts) or a login session cookie (the browser), and the
CSRF check that cookie sessions need on every unsafe method.

The CSRF token is an HMAC of the session token under darkroom's signing key (``core.signing``),
so it is stored nowhere and ends with its session; a page on another site can neither read it
(the ``darkroom_csrf`` cookie is SameSite=Strict and same-origin only) nor compute it. Bearer
tokens are sent on purpose by programs, never by a browser on its own, so they need none.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from darkroom.api.common.auth import parse_bearer
from darkroom.api.common.deps import get_runtime
from darkroom.api.common.rate_limits import client_address
from darkroom.api.v1.errors import CsrfRefused, StaleSession
from darkroom.core import accounts
from darkroom.core.access import Actor
from darkroom.core.accounts import CredentialKind
from darkroom.core.runtime import Runtime
from darkroom.errors import Unauthorized

SESSION_COOKIE = "darkroom_session"
CSRF_COOKIE = "darkroom_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Caller:
    """The authenticated user, and their session token when the cookie said who they are."""

    actor: Actor
    session_token: str | None = None


def csrf_token(rt: Runtime, session_token: str) -> str:
    """The CSRF token of the session ``session_token``."""
    return rt.signer.sign(f"v1-csrf:{session_token}", 0)


def check_csrf(rt: Runtime, session_token: str, given: str | None) -> None:
    expected = csrf_token(rt, session_token)
    if given is None or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise CsrfRefused(f"send the session's CSRF token in the {CSRF_HEADER} header")


def identify(request: Request) -> Caller:
    """The caller of ``request`` (a FastAPI dependency: runs in a worker thread). A bearer token
    wins over the cookie; neither is Unauthorized, and so is a wrong one of either."""
    rt = get_runtime(request)
    client = client_address(request)
    bearer = parse_bearer(request.headers.get("authorization"))
    if bearer is not None:
        return Caller(actor=accounts.token_actor(rt, bearer, CredentialKind.TOKEN, client=client))
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        if request.method in UNSAFE:
            check_csrf(rt, cookie, request.headers.get(CSRF_HEADER))
        # Not counted as a failed login: a browser sends an ended session's cookie with every
        # request on its own, and a gallery makes many; that must not hold up the next login.
        # (Session tokens are 32 random bytes: guessing them is hopeless anyway.)
        try:
            actor = accounts.token_actor(rt, cookie, CredentialKind.SESSION)
        except Unauthorized:
            raise StaleSession("the session has ended; log in again") from None
        return Caller(actor=actor, session_token=cookie)
    raise Unauthorized("log in first (POST /v1/session) or send Authorization: Bearer <token>")


def optional_caller(request: Request) -> Caller | None:
    """``identify``, or None when the request carries no credentials (for signed links, which
    need none: an ended session's cookie sent along counts as none)."""
    if parse_bearer(request.headers.get("authorization")) is None and not request.cookies.get(
        SESSION_COOKIE
    ):
        return None
    try:
        return identify(request)
    except StaleSession:
        return None


CallerDep = Annotated[Caller, Depends(identify)]


def set_session_cookies(response: Response, token: str, csrf: str, *, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", path="/", secure=secure
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, httponly=False, samesite="strict", path="/", secure=secure
    )


def clear_session_cookies(response: Response, *, secure: bool) -> None:
    for name, http_only in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(name, path="/", secure=secure, httponly=http_only, samesite="strict")
