"""Domain errors as Moov answers them (spec §5.3, M2-M9).

- 400 and 409: ``{"error": ...}`` (the client's ``GenericError``); a full account is 400 (M3).
- 422: ``{"image": ...}`` for the file, ``{"metadata": {"altText": ...}}`` for the metadata part of
  an upload or update, ``{"altText": ...}`` for update_metadata. Which one is chosen by the error's
  ``field``: the parser names the alt-text field as the operation's 422 body nests it.
- 401, 403, 404, 429 (too many new renditions asked for without credentials; ``Retry-After``
  is added by ``api/common/rate_limits``) and 503 (a service darkroom needs is out of reach):
  ``{"error": ...}``.
  Every body is JSON and every response has an ``x-request-id``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from starlette.responses import JSONResponse

from darkroom.api.moov.wire import Json
from darkroom.errors import (
    Conflict,
    DarkroomError,
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

IMAGE_FIELD = "image"
PART_ALT_TEXT_FIELD = "metadata.altText"  # alt text inside an upload or update's metadata part
BODY_ALT_TEXT_FIELD = "altText"  # alt text of an update_metadata body

_STATUS: list[tuple[type[DarkroomError], int]] = [
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (LimitExceeded, 400),
    (TooLarge, 422),
    (Unsupported, 422),
    (Unavailable, 503),
    (RateLimited, 429),
]


def request_id_header() -> dict[str, str]:
    return {"x-request-id": str(uuid.uuid4())}


def render_error(error: DarkroomError) -> JSONResponse:
    """The Moov response for ``error`` (registered as the door's renderer)."""
    status, body = _status_and_body(error)
    headers = request_id_header()
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = 'Basic realm="darkroom"'
    return JSONResponse(body, status_code=status, headers=headers)


def _status_and_body(error: DarkroomError) -> tuple[int, Json]:
    if isinstance(error, LimitExceeded):
        return 400, {"error": f"image limit reached ({error.limit})"}
    if isinstance(error, Invalid):
        return _invalid(error)
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status, ({"image": error.message} if status == 422 else {"error": error.message})
    return 400, {"error": error.message}


def _invalid(error: Invalid) -> tuple[int, Json]:
    """Invalid file or alt text: 422 in the operation's shape; anything else malformed: 400."""
    if error.field == IMAGE_FIELD:
        return 422, {"image": error.message}
    if error.field == PART_ALT_TEXT_FIELD:
        return 422, {"metadata": {"altText": error.message}}
    if error.field == BODY_ALT_TEXT_FIELD:
        return 422, {"altText": error.message}
    return 400, {"error": error.message}


def duplicate(existing: Json) -> JSONResponse:
    """409 for a duplicate upload: ``error`` for clients up to v2026.07.00, and the existing image's
    metadata for v2026.10.00 and later, in one body (extra keys are ignored by both)."""
    return JSONResponse(
        {"error": "duplicate image", **existing}, status_code=409, headers=request_id_header()
    )


def method_not_allowed(allowed: Iterable[str]) -> JSONResponse:
    headers = {"Allow": ", ".join(sorted(allowed)), **request_id_header()}
    return JSONResponse({"error": "method not allowed"}, status_code=405, headers=headers)


def internal_error() -> JSONResponse:
    return JSONResponse(
        {"error": "internal server error"}, status_code=500, headers=request_id_header()
    )
