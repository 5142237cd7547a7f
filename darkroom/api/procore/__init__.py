"""The Procore Photos front door (``/rest/v1.0/...``, spec docs: ../shared/specs/procore.md).

One router per resource; ``install`` mounts them and registers the door, whose error bodies are
Procore's (``errors.render_error``). Any other path under ``/rest`` answers Procore's 404 body.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.requests import Request

from darkroom.api.common.doors import Door, DoorRegistry
from darkroom.api.procore import (
    categories,
    files,
    images,
    locations,
    storage,
    trades,
    uploads,
)
from darkroom.api.procore.errors import render_error
from darkroom.errors import NotFound

PREFIX = "/rest"

_fallback = APIRouter(include_in_schema=False)


@_fallback.api_route(
    PREFIX + "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
)
def unknown(request: Request, rest: str) -> None:
    raise NotFound(
        "route", request.url.path, f"no such endpoint: {request.method} {request.url.path}"
    )


def install(app: FastAPI, doors: DoorRegistry) -> None:
    """Mount the Procore routes and register the door's error bodies and body cap."""
    doors.add(
        Door(name="procore", prefixes=(PREFIX,), render_error=render_error, lanes=files.LANES)
    )
    # Order matters where paths overlap: image_categories/ids_with_images before /{id}
    # (within categories), and the catch-all last.
    for router in (files.router, storage.router, uploads.router, categories.router, images.router):
        app.include_router(router)
    app.include_router(locations.router)
    app.include_router(trades.router)
    app.include_router(_fallback)
