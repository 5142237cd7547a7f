"""Sessions and access clients (spec §2.3, §2.4): ``/auth``, ``/auth/session``,
``/auth/access-client`` and ``/clients/activate``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response

from darkroom.api.cyclos import auth, wire
from darkroom.api.cyclos.auth import Caller
from darkroom.api.cyclos.call import Call
from darkroom.api.cyclos.errors import missing_parameter
from darkroom.core import logins, personal
from darkroom.core.errors import Unauthorized


def current(call: Call) -> Response:
    """GET /auth: who the caller is (a guest gets the Auth object without a user)."""
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        body = _auth_body(session, call, caller)
    return wire.json(body, call.query.fields())


def login(call: Call) -> Response:
    """POST /auth/session: a new session for the authenticated caller, its token in the body."""
    call.query.boolean("cookie")  # C6: accepted and ignored, but it must be a boolean
    timeout_s = call.query.positive_int("timeoutInSeconds")
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        issued = logins.open_session(session, caller.require_user(), timeout_s=timeout_s)
        body = _auth_body(session, call, caller, session_token=issued.token)
    return wire.json(body, call.query.fields())


def logout(call: Call) -> Response:
    """DELETE /auth/session: ends the session named by ``Session-Token``."""
    call.query.boolean("cookie")
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        if caller.session_token is None:
            raise Unauthorized("logging out needs a Session-Token")
        logins.close_session(session, caller.session_token)
    return Response(status_code=200)


def activate(call: Call) -> Response:
    """POST /clients/activate: turn an activation code into an access-client token."""
    code = call.query.one("code")
    if code is None:
        raise missing_parameter("code")
    prefix = call.query.one("prefix") or ""
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        issued = logins.activate(session, caller.require_user(), code, prefix=prefix)
        body = {
            "token": issued.token,
            "accessClient": wire.access_client(issued.credential.id, issued.credential.label),
            "accessClientType": wire.ACCESS_CLIENT_TYPE,
        }
    return wire.json(body)


def disconnect(call: Call) -> Response:
    """DELETE /auth/access-client: the calling access client's token stops working."""
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        token = call.headers.get(auth.ACCESS_CLIENT_HEADER, "").strip()
        if caller.access_client is None or not token:
            raise Unauthorized("disconnecting needs an Access-Client-Token")
        logins.disconnect(session, token)
    return Response(status_code=204)


def _auth_body(
    session: Session, call: Call, caller: Caller, *, session_token: str | None = None
) -> dict[str, Any]:
    portrait = personal.portrait(session, caller.principal) if caller.principal else None
    return wire.auth(call.rt, caller, call.base_url, portrait=portrait, session_token=session_token)
