"""darkroom's own JSON API (``/v1``, docs/api.md), the one the gallery is built on.

Modules: ``routes`` (endpoints), ``auth`` (bearer tokens, session cookies, CSRF), ``params``
(query strings and cursors), ``bodies`` (JSON bodies), ``content`` (what a content request asks
the delivery pipeline for), ``wire`` (JSON shapes), ``errors`` (the error body), ``openapi``
(``/v1/openapi.json``). Core does the work: ``core.catalog`` looks across spaces, the rest is
the core every door uses.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common.doors import Door, DoorRegistry
from darkroom.api.v1 import errors, openapi, routes
from darkroom.config import Settings

NAME = "v1"
PREFIX = routes.PREFIX

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def install(app: FastAPI, doors: DoorRegistry, settings: Settings) -> None:
    """Mount ``/v1``, its OpenAPI document, its error bodies and its request body cap."""
    cap = max(settings.v1_max_request_bytes, settings.max_upload_bytes)
    doors.add(
        Door(name=NAME, prefixes=(PREFIX,), render_error=errors.render_error, max_body_bytes=cap)
    )
    app.add_api_route(f"{PREFIX}/openapi.json", openapi.serve, include_in_schema=False)
    app.include_router(routes.router)

    def ours(request: Request) -> bool:
        return doors.door_for(request.url.path).name == NAME

    # What Starlette and FastAPI refuse themselves (no route, wrong method, unreadable
    # parameters) answers in /v1's shape on /v1 paths; elsewhere as before.
    http_fallback: Handler = app.exception_handlers[HTTPException]
    validation_fallback: Handler = app.exception_handlers[RequestValidationError]

    async def http_error(request: Request, error: Exception) -> Response:
        if not ours(request) or not isinstance(error, HTTPException):
            return await _answer(http_fallback(request, error))
        message = error.detail if isinstance(error.detail, str) else "request refused"
        return errors.framework_error(error.status_code, message, dict(error.headers or {}))

    async def invalid_request(request: Request, error: Exception) -> Response:
        if not ours(request):
            return await _answer(validation_fallback(request, error))
        return errors.framework_error(400, "the request's parameters are malformed")

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)


async def _answer(answer: Response | Awaitable[Response]) -> Response:
    return await answer if inspect.isawaitable(answer) else answer
