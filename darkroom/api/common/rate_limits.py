"""Render limits as 429s: who is asking (the client address doors put in ``Wanted.client``) and
how a ``RateLimited`` refusal is answered.

Every door answers in its own error shape (its ``render_error`` knows the status), with
``Retry-After`` in whole seconds; the refusal is counted in
``darkroom_rate_limited_requests_total`` by door. Behind a reverse proxy the address is the
proxy's unless uvicorn is told to trust it (``--forwarded-allow-ips``, which makes
``X-Forwarded-For`` the client's address).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from darkroom.core import metrics
from darkroom.errors import RateLimited

if TYPE_CHECKING:  # doors know their lanes, and the lane answers 429s from here
    from darkroom.api.common.doors import DoorRegistry

logger = logging.getLogger(__name__)

UNKNOWN_CLIENT = "unknown"  # no peer address (a unix socket): such clients share one allowance


def client_address(request: Request) -> str:
    """The address a request's renders are counted against."""
    return address_of(request.scope)


def address_of(scope: Scope) -> str:
    """``client_address`` of the request in ASGI ``scope`` (for middleware)."""
    client = scope.get("client")
    return str(client[0]) if client else UNKNOWN_CLIENT


def render(doors: DoorRegistry, path: str, error: RateLimited) -> Response:
    """The 429 of the door serving ``path``, with ``Retry-After``, counted."""
    door = doors.door_for(path)
    metrics.RATE_LIMITED.labels(door.name).inc()
    response = door.render_error(error)
    response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


def install(app: Starlette, doors: DoorRegistry) -> None:
    """Register the ``RateLimited`` handler on ``app`` (it wins over the domain-error one)."""

    async def rate_limited(request: Request, error: Exception) -> Response:
        assert isinstance(error, RateLimited)
        logger.info(
            "%s %s: refused for %s: %s",
            request.method,
            request.url.path,
            client_address(request),
            error.message,
        )
        return render(doors, request.url.path, error)

    app.add_exception_handler(RateLimited, rate_limited)
