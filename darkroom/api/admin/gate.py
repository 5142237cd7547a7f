"""The admin API's credentials checked before anything reads a request's body.

FastAPI reads and parses a route's JSON body before it runs the route's dependencies, so
``require_admin`` alone would let anyone make darkroom parse a body. This middleware asks for an
administrator's Basic credentials first, for every request under the admin prefix, and answers
401, 403 or 429 (the same refusals ``require_admin`` makes) without reading a byte of the body.
The administrator let through is kept in the request's state, where the route's
``require_admin`` finds it; a request whose check failed otherwise (the database out of reach)
meets ``require_admin`` again in its route, which answers it as it answers any outage (503).
Refusals are counted under the route's template, as routing would have named them.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from darkroom.api.admin.routes import CHECKED_ADMIN, require_admin, router
from darkroom.api.common import observe
from darkroom.core.runtime import Runtime
from darkroom.errors import DarkroomError


class AdminGate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        runtime: Callable[[], Runtime],
        refuse: Callable[[str, DarkroomError], Response],
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.refuse = refuse  # the admin door's error response for a path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _under_admin(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        header = request.headers.get("authorization")
        try:
            admin = await run_in_threadpool(require_admin, self.runtime(), request, header)
        except DarkroomError as refused:
            observe.name_operation(scope, _template(scope))
            await self.refuse(scope["path"], refused)(scope, receive, send)
            return
        except Exception:
            pass  # the database out of reach, say: the route meets it too, and says so (503)
        else:
            scope.setdefault("state", {})[CHECKED_ADMIN] = admin  # the route asks no more
        await self.app(scope, receive, send)


def _under_admin(path: str) -> bool:
    return path == router.prefix or path.startswith(router.prefix + "/")


def _template(scope: Scope) -> str:
    """The template of the admin route ``scope`` asks for (its metric label), as routing
    would find it."""
    for route in router.routes:
        match, _ = route.matches(scope)
        if match is Match.FULL and isinstance(route, APIRoute):
            return route.path
    return observe.UNMATCHED
