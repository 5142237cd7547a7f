"""Front doors: each API claims a path prefix and renders darkroom's domain errors its own way.

The app keeps one registry of doors. The domain-error handler and the body-size middleware both ask
it which door a path belongs to, so every error a client sees has the body its API's clients expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from starlette.responses import JSONResponse, Response

from darkroom.api.common.lane import LaneRoute
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


class ErrorRenderer(Protocol):
    def __call__(self, error: DarkroomError) -> Response: ...


STATUS_OF: dict[type[DarkroomError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Unauthorized: 401,
    Conflict: 409,
    Invalid: 422,
    TooLarge: 413,
    Unsupported: 415,
    Unavailable: 503,
    RateLimited: 429,
}


def status_of(error: DarkroomError, table: dict[type[DarkroomError], int] = STATUS_OF) -> int:
    """The status for ``error``: the entry of its nearest class in ``table`` (MRO order)."""
    for cls in type(error).__mro__:
        if cls in table:
            return table[cls]
    return 400


def plain_error(error: DarkroomError) -> Response:
    """darkroom's own error body, for paths no vendor API claims (health, admin)."""
    body: dict[str, object] = {"error": error.message}
    if error.field:
        body["field"] = error.field
    return JSONResponse(body, status_code=status_of(error))


@dataclass(frozen=True)
class Door:
    """One front door: the prefixes it serves, its error bodies and its request body cap."""

    name: str
    prefixes: Sequence[str]
    render_error: ErrorRenderer = plain_error
    max_body_bytes: int | None = None  # None: darkroom's global cap
    lanes: Sequence[LaneRoute] = ()  # its image deliveries the fast lane may answer (lane.py)


@dataclass
class DoorRegistry:
    default: Door
    doors: list[Door] = field(default_factory=list)

    def add(self, door: Door) -> None:
        self.doors.append(door)

    def lanes(self) -> list[LaneRoute]:
        return [lane for door in self.doors for lane in door.lanes]

    def door_for(self, path: str) -> Door:
        best, best_len = self.default, -1
        for door in self.doors:
            for prefix in door.prefixes:
                if _under(path, prefix) and len(prefix) > best_len:
                    best, best_len = door, len(prefix)
        return best


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")
