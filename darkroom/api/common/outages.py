"""Outages as 503s: a service darkroom depends on is down, so every door says "try again".

Two exception handlers, installed once by the app:

- ``Unavailable`` (raised on purpose anywhere) is rendered by the door of the request's path, in
  that API's error shape, with ``Retry-After``;
- the database errors ``causes`` lists (given by the app from ``darkroom.db.outages``: doors know
  no SQL) are translated into ``Unavailable`` here, once, when ``translate`` says they are an
  outage; any other is raised again and stays a 500.

Core and the doors need not know: a request that loses its database halfway answers 503 in its
door's shape, and the next one succeeds once the database is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common.doors import DoorRegistry
from darkroom.errors import Unavailable

RETRY_AFTER_SECONDS = 1

logger = logging.getLogger(__name__)

Translate = Callable[[BaseException], Unavailable | None]


def render(doors: DoorRegistry, path: str, error: Unavailable) -> Response:
    """The 503 of the door serving ``path``, with ``Retry-After``."""
    response = doors.door_for(path).render_error(error)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def install(
    app: Starlette,
    doors: DoorRegistry,
    *,
    causes: Sequence[type[Exception]] = (),
    translate: Translate = lambda _error: None,
) -> None:
    """Register the handlers on ``app`` (see the module docstring)."""

    async def unavailable(request: Request, error: Exception) -> Response:
        assert isinstance(error, Unavailable)
        logger.warning("%s %s: %s unavailable", request.method, request.url.path, error.service)
        return render(doors, request.url.path, error)

    async def translated(request: Request, error: Exception) -> Response:
        outage = translate(error)
        if outage is None:
            raise error  # not an outage: the server error it always was
        logger.warning(
            "%s %s: %s unavailable (%s: %s)",
            request.method,
            request.url.path,
            outage.service,
            type(error).__name__,
            str(error).splitlines()[0] if str(error) else "",
        )
        return render(doors, request.url.path, outage)

    app.add_exception_handler(Unavailable, unavailable)
    for cause in causes:
        app.add_exception_handler(cause, translated)
