"""Domain errors raised by the core, media and storage layers.

The tree, from most general to most specific:

    DarkroomError
    ├── NotFound        the thing does not exist, or the caller may not know it does
    ├── Forbidden       the caller is known but not allowed
    ├── Unauthorized    the caller could not be identified
    ├── Conflict        the request contradicts stored state (duplicates, stale ids)
    │   └── Duplicate   the same bytes already exist where duplicates are refused
    ├── Invalid         a value is malformed or out of range
    │   └── LimitExceeded   an album or account holds as many items as it may
    ├── TooLarge        bytes, pixels, sides or frames over a configured limit
    ├── Unsupported     a file type or operation darkroom refuses to handle
    ├── Unavailable     a service darkroom depends on cannot be reached; try again
    └── RateLimited     this client asked for too many renders (or failed too many logins)
                        too fast; try again later
        └── QuotaExceeded   a guest's address used its daily allowance of temporary images

Each front door maps these to its own status codes and error bodies, once. Errors carry
structured fields (``field``, ``limit``, ...) so doors never parse message text.
"""

from __future__ import annotations

from typing import Any


class DarkroomError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class NotFound(DarkroomError):
    """The entity does not exist or is not visible to the caller."""

    def __init__(self, entity: str, key: object, message: str | None = None) -> None:
        super().__init__(message or f"{entity} not found", entity=entity, key=str(key))
        self.entity = entity
        self.key = str(key)


class Forbidden(DarkroomError):
    """The caller is authenticated but not allowed to do this."""


class Unauthorized(DarkroomError):
    """The caller could not be authenticated; ``reason`` says why (for doors with codes)."""

    def __init__(
        self, message: str = "authentication required", *, reason: str = "missing"
    ) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason


class Conflict(DarkroomError):
    """The request contradicts stored state."""


class Duplicate(Conflict):
    """Identical bytes already stored in a deduplicating album; ``existing_id`` names the image."""

    def __init__(self, existing_id: int) -> None:
        super().__init__("duplicate image", existing_id=existing_id)
        self.existing_id = existing_id


class Invalid(DarkroomError):
    """A value is malformed or out of range."""


class LimitExceeded(Invalid):
    """An album already holds ``limit`` items."""

    def __init__(self, limit: int, message: str | None = None) -> None:
        super().__init__(message or f"limit of {limit} items reached", limit=limit)
        self.limit = limit


class TooLarge(DarkroomError):
    """Bytes, pixels, sides or frames over a configured limit."""

    def __init__(self, message: str, *, limit: int, field: str | None = None) -> None:
        super().__init__(message, field=field, limit=limit)
        self.limit = limit


class Unsupported(DarkroomError):
    """A file type or operation darkroom refuses to handle."""


class Unavailable(DarkroomError):
    """A service darkroom depends on (database, blob store) cannot be reached; try again.

    ``service`` names which one (``"database"``, ``"blob store"``); doors answer 503.
    """

    def __init__(self, service: str, message: str | None = None) -> None:
        super().__init__(message or f"the {service} cannot be reached; try again", service=service)
        self.service = service


class RateLimited(DarkroomError):
    """A client without credentials asked for renders faster than its allowance, or a client
    address or user name failed to log in too often (``core.throttle``).

    ``retry_after_seconds`` (at least 1) is when the next attempt would be allowed; doors answer
    429 with ``Retry-After``. ``limit`` is the burst the client was allowed, for doors that
    announce it (Procore's ``X-Rate-Limit-Limit``).
    """

    def __init__(
        self, retry_after_seconds: int, *, limit: int | None = None, message: str | None = None
    ) -> None:
        seconds = max(1, retry_after_seconds)
        super().__init__(
            message or f"too many new renditions asked for; try again in {seconds} s",
            retry_after_seconds=seconds,
            limit=limit,
        )
        self.retry_after_seconds = seconds
        self.limit = limit


class QuotaExceeded(RateLimited):
    """A guest's client address has used its daily allowance (``what``: images or bytes) of
    temporary images; answered as ``RateLimited`` is, 429 with ``Retry-After``."""

    def __init__(self, retry_after_seconds: int, *, what: str, limit: int) -> None:
        super().__init__(retry_after_seconds, limit=limit)
        self.message = (
            f"guests at this address may upload {limit} {what} of temporary images a day;"
            f" try again in {self.retry_after_seconds} s"
        )
        self.args = (self.message,)
        self.what = what
