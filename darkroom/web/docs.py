"""``/docs``: Swagger UI over darkroom's OpenAPI documents, with every file it needs served
by darkroom itself (FastAPI's own page loads Swagger UI from a CDN, which an offline machine
cannot reach).

Swagger UI's files come from the pinned ``swagger-ui-bundle-v2`` package (import name
``swagger_ui_bundle``), mounted at ``/docs/assets``. When darkroom's native API publishes its
own document (``/v1/openapi.json``), the page offers both in its selector.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS = "/docs"
ASSETS = "/docs/assets"
V1_OPENAPI = "/v1/openapi.json"


def install(app: FastAPI) -> None:
    """Replace FastAPI's CDN pages (``/docs`` and ``/redoc``, which has no local copy) by a
    ``/docs`` whose scripts, styles and icon are served from ``/docs/assets``."""
    app.router.routes[:] = [r for r in app.router.routes if not _cdn_page(r, app)]
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.get(DOCS, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title}: API docs",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            swagger_ui_parameters=_parameters(app),
        )


def _cdn_page(route: BaseRoute, app: FastAPI) -> bool:
    pages = {app.docs_url, app.redoc_url} - {None}
    return isinstance(route, Route) and route.path in pages


def _parameters(app: FastAPI) -> dict[str, Any]:
    # No validator badge: it would send the document to a server on the internet.
    parameters: dict[str, Any] = {"validatorUrl": None}
    if _serves(app, V1_OPENAPI):
        parameters["urls"] = [
            {"url": V1_OPENAPI, "name": "darkroom /v1"},
            {"url": app.openapi_url or "/openapi.json", "name": "darkroom (all doors)"},
        ]
    return parameters


def _serves(app: FastAPI, path: str) -> bool:
    for route in app.router.routes:
        if isinstance(route, Route) and route.path == path:
            return True
        if isinstance(route, Mount) and path.startswith(route.path + "/"):
            return True
    return False
