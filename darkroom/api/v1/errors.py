"""Errors as ``/v1`` answers them: ``{"error": {"code", "message", "field"}}`` with the status
docs/api.md lists, for domain errors and for what the framework itself refuses (no route, wrong
method, a body it cannot read), so no ``/v1`` answer ever has FastAPI's ``{"detail": ...}``."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from darkroom.api.common.json_body import BadJSON
from darkroom.errors import (
    Conflict,
    DarkroomError,
    Duplicate,
    Forbidden,
    Invalid,
    LimitExceeded,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthorized,
    Unavailable,
    Unsupported,
)

# Most specific first: the first class the error is an instance of decides.
_CODES: list[tuple[type[DarkroomError], int, str]] = [
    (Duplicate, 409, "duplicate"),
    (LimitExceeded, 409, "album_full"),
    (BadJSON, 400, "bad_json"),
    (Conflict, 409, "conflict"),
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (TooLarge, 413, "too_large"),
    (Unsupported, 415, "unsupported_format"),
    (RateLimited, 429, "rate_limited"),
    (Unavailable, 503, "unavailable"),
]
IMAGE_FIELD = "image"  # media's field for bytes that cannot be decoded


class CsrfRefused(Forbidden):
    """A cookie session's unsafe request without the session's CSRF token."""


class StaleSession(Unauthorized):
    """A session cookie that names no live session (logged out, timed out, made up): its 401
    also clears the cookies, so the browser stops sending them."""


STALE_COOKIES = (
    'darkroom_session=""; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
    'darkroom_csrf=""; Max-Age=0; Path=/; SameSite=Strict',
)


def status_and_code(error: DarkroomError) -> tuple[int, str]:
    if isinstance(error, CsrfRefused):
        return 403, "csrf"
    if isinstance(error, Invalid) and not isinstance(error, LimitExceeded | BadJSON):
        return (422, "not_an_image") if error.field == IMAGE_FIELD else (400, "invalid")
    for cls, status, code in _CODES:
        if isinstance(error, cls):
            return status, code
    return 400, "invalid"


def error_body(error: DarkroomError) -> dict[str, Any]:
    """The ``error`` object of ``error``'s answer (also an item of a many-file upload)."""
    _, code = status_and_code(error)
    body: dict[str, Any] = {"code": code, "message": error.message, "field": error.field}
    if isinstance(error, Duplicate):
        body["existing_image"] = error.existing_id
    if isinstance(error, LimitExceeded | TooLarge):
        body["limit"] = error.limit
    return body


def render_error(error: DarkroomError) -> JSONResponse:
    """The door's renderer (``Door.render_error``)."""
    status, _ = status_and_code(error)
    headers = {"WWW-Authenticate": 'Bearer realm="darkroom"'} if status == 401 else None
    response = JSONResponse({"error": error_body(error)}, status_code=status, headers=headers)
    if isinstance(error, StaleSession):
        for cookie in STALE_COOKIES:
            response.headers.append("set-cookie", cookie)
    return response


def framework_error(
    status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """What Starlette refuses on its own (404 no route, 405 wrong method, ...), in our shape."""
    codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 401: "unauthorized"}
    code = codes.get(status, "invalid" if status < 500 else "server_error")
    body = {"error": {"code": code, "message": message, "field": None}}
    return JSONResponse(body, status_code=status, headers=headers)
