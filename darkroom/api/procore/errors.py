"""Procore's error statuses and bodies for darkroom's domain errors (spec §3.7, §8, D5, D13).

Malformed input (headers, query values, body framing) is 400 on this wire; a well-formed request
that breaks a rule (no image source, unknown trade) is 422. Core parsers raise ``Invalid`` for
both, so the routes wrap what they parse from the wire in ``bad_request()``. Too many new
thumbnails asked for without credentials is 429 with ``Retry-After`` and ``X-Rate-Limit-*``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.responses import Response

from darkroom.api.common.doors import status_of
from darkroom.api.procore.responses import ProcoreJSON
from darkroom.clock import utcnow
from darkroom.errors import (
    Conflict,
    DarkroomError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthorized,
    Unavailable,
    Unsupported,
)


class BadRequest(DarkroomError):
    """The request itself is malformed: a missing or bad header, query value or body."""


STATUS: dict[type[DarkroomError], int] = {
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    Invalid: 422,
    Unsupported: 422,
    Unavailable: 503,
    RateLimited: 429,
}


def render_error(error: DarkroomError) -> Response:
    """``{"error", "message"}`` plus ``errors: {field: [problem]}`` for validation errors."""
    status = status_of(error, STATUS)
    body: dict[str, object] = {"error": error.message, "message": error.message}
    if error.field and isinstance(error, Invalid | BadRequest):
        body["errors"] = {error.field: [error.message]}
    headers = {"WWW-Authenticate": 'Bearer realm="darkroom"'} if status == 401 else None
    if isinstance(error, RateLimited):
        headers = _rate_limit_headers(error)
    return ProcoreJSON(body, status_code=status, headers=headers)


def _rate_limit_headers(error: RateLimited) -> dict[str, str]:
    """Procore's ``X-Rate-Limit-*`` on a 429 (§1.2): the allowance, none left, and when the
    next render is allowed (unix seconds). ``Retry-After`` is added by the common handler."""
    reset = int(utcnow().timestamp()) + error.retry_after_seconds
    return {
        "X-Rate-Limit-Limit": str(error.limit or 0),
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Reset": str(reset),
    }


@contextmanager
def bad_request() -> Iterator[None]:
    """Turn ``Invalid`` raised while reading the request into a 400 ``BadRequest``."""
    try:
        yield
    except Invalid as error:
        raise BadRequest(error.message, field=error.field) from None
