"""Sessions and access clients (spec §2.3, §2.4): ``/auth``, ``/auth/session``,
``/auth/access-client`` and ``/clients/activate``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from darkroom.api import vocabulary
from darkroom.api.cyclos import wire
from darkroom.api.cyclos.call import Call
from darkroom.api.cyclos.errors import missing_parameter
from darkroom.core import directory, logins, personal
from darkroom.errors import Unauthorized


def current(call: Call) -> Response:
    """GET /auth: who the caller is (a guest gets the Auth object without a user)."""
    return wire.json(_auth_body(call), call.query.fields())


def login(call: Call) -> Response:
    """POST /auth/session: a new session for the authenticated caller, its token in the body."""
    call.query.boolean("cookie")  # C6: accepted and ignored, but it must be a boolean
    timeout_s = call.query.positive_int("timeoutInSeconds")
    user_id = call.caller.require_user()
    issued = logins.open_session(call.rt, user_id, timeout_s=timeout_s)
    return wire.json(_auth_body(call, session_token=issued.token), call.query.fields())


def logout(call: Call) -> Response:
    """DELETE /auth/session: ends the session named by ``Session-Token``."""
    call.query.boolean("cookie")
    if call.caller.session_token is None:
        raise Unauthorized("logging out needs a Session-Token")
    logins.close_session(call.rt, call.caller.session_token)
    return Response(status_code=200)


def activate(call: Call) -> Response:
    """POST /clients/activate: turn an activation code into an access-client token."""
    code = call.query.one("code")
    if code is None:
        raise missing_parameter("code")
    prefix = call.query.one("prefix") or ""
    issued = logins.activate(call.rt, call.caller.require_user(), code, prefix=prefix)
    body = {
        "token": issued.token,
        "accessClient": wire.access_client_body(issued.login),
        "accessClientType": wire.ACCESS_CLIENT_TYPE,
    }
    return wire.json(body)


def disconnect(call: Call) -> Response:
    """DELETE /auth/access-client: the calling access client's token stops working."""
    token = call.caller.access_client_token
    if token is None:
        raise Unauthorized("disconnecting needs an Access-Client-Token")
    logins.disconnect(call.rt, token)
    return Response(status_code=204)


def _auth_body(call: Call, *, session_token: str | None = None) -> dict[str, Any]:
    caller = call.caller
    user = directory.myself(call.rt, caller.actor) if not caller.actor.is_guest else None
    portrait = personal.portrait(call.rt, user.id, vocabulary.CYCLOS_PROFILE.kind) if user else None
    token = caller.access_client_token
    client = logins.access_client(call.rt, token) if token is not None else None
    return wire.auth(
        call.rt,
        caller,
        call.base_url,
        user=user,
        portrait=portrait,
        access_client=client,
        session_token=session_token,
    )
