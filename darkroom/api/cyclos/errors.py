"""Cyclos error bodies (spec §2.5, §5.6): one mapping from darkroom's domain errors, done once.

| domain error | status | body |
|---|---|---|
| Unauthorized | 401 | code login, loggedOut, invalidAccessClient or missingAuthorization |
| Forbidden | 403 | ``{"code": "permissionDenied"}`` |
| NotFound | 404 | ``{"entityType": ..., "key": ...}`` |
| Conflict | 409 | ``{"code": "staleEntity"}`` |
| LimitExceeded | 422 | ``{"code": "maxItems", "maxItems": n}`` |
| TooLarge (bytes) | 422 | ``{"code": "fileUploadSize", "maxFileSize": n}`` |
| Invalid, Unsupported, TooLarge (pixels) | 422 | dataConversion, missingParameter or validation |
| RateLimited | 429 | ``{"kind": "general", "exceptionType", "exceptionMessage"}`` (Error) |
| Unavailable | 503 | ``{"kind": "general", "exceptionType", "exceptionMessage"}`` (Error) |

429 and 503 also carry ``Retry-After`` (added by ``api/common/rate_limits`` and ``outages``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.responses import JSONResponse, Response

from darkroom.api import vocabulary
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

MAX_UPLOAD_BYTES = vocabulary.CYCLOS_UPLOAD_BYTES  # C3: maxUploadSize

# Unauthorized.reason → Cyclos UnauthorizedErrorCode. The core says "missing" (no credentials)
# and "login" (wrong password); the door's own auth says which token failed.
UNAUTHORIZED_CODES = {
    "missing": "missingAuthorization",
    "login": "login",
    "loggedOut": "loggedOut",
    "invalidAccessClient": "invalidAccessClient",
}

# TooLarge fields that mean "the file has too many bytes" (None: the body cap in the middleware).
_BYTE_LIMIT_FIELDS = (None, "file")


def data_conversion(name: str, value: str) -> Invalid:
    """A query or path value that is not of its parameter's type (422 ``dataConversion``)."""
    return Invalid(
        f"{name}: cannot convert {value[:40]!r}", field=name, code="dataConversion", value=value
    )


def missing_parameter(name: str) -> Invalid:
    return Invalid(f"{name} is required", field=name, missing=True)


@contextmanager
def converting(name: str, value: str) -> Iterator[None]:
    """Report a core parser's Invalid about ``value`` as a Cyclos ``dataConversion``."""
    try:
        yield
    except Invalid as error:
        raise data_conversion(name, value) from error


def render(error: DarkroomError) -> Response:
    status, body = _shape(error)
    return JSONResponse(body, status_code=status)


def _shape(error: DarkroomError) -> tuple[int, dict[str, Any]]:
    match error:
        case Unauthorized():
            return 401, {"code": UNAUTHORIZED_CODES.get(error.reason, "login")}
        case Forbidden():
            return 403, {"code": "permissionDenied"}
        case NotFound():
            return 404, {"entityType": error.entity, "key": error.key}
        case Conflict():
            return 409, {"code": "staleEntity"}
        case LimitExceeded():
            return 422, {"code": "maxItems", "maxItems": error.limit}
        case TooLarge() if error.field in _BYTE_LIMIT_FIELDS:
            limit = error.limit if error.field == "file" else MAX_UPLOAD_BYTES
            return 422, {"code": "fileUploadSize", "maxFileSize": limit}
        case Invalid() | Unsupported() | TooLarge():
            return 422, _input_error(error)
    status = 503 if isinstance(error, Unavailable) else 500
    if isinstance(error, RateLimited):
        status = 429  # Cyclos documents no 429 body: its general Error, as for outages
    return status, {
        "kind": "general",
        "exceptionType": type(error).__name__,
        "exceptionMessage": error.message,
    }


def _input_error(error: DarkroomError) -> dict[str, Any]:
    code = error.details.get("code")
    if code == "dataConversion":
        return {"code": code, "value": error.details.get("value", "")}
    if error.details.get("missing") and error.field:
        return {"code": "missingParameter", "name": error.field}
    if error.field:
        return {
            "code": "validation",
            "properties": [error.field],
            "propertyErrors": {error.field: [error.message]},
        }
    return {"code": "validation", "generalErrors": [error.message]}
