"""``/docs``: Swagger UI over darkroom's OpenAPI documents, with every file it needs served
by darkroom itself (FastAPI's own page loads Swagger UI from a CDN, which an offline machine
cannot reach).

Swagger UI's files come from the pinned ``swagger-ui-bundle-v2`` package (import name
``swagger_ui_bundle``), mounted at ``/docs/assets``. The page offers every document darkroom
publishes in Swagger UI's selector: all doors (``/openapi.json``) and, where it is installed,
darkroom's own API alone (``/v1/openapi.json``).
"""

from __future__ import annotations

import json
from html import escape

from fastapi import FastAPI
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS = "/docs"
ASSETS = "/docs/assets"
V1_OPENAPI = "/v1/openapi.json"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle(Object.assign({config}, {{
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
}}));
</script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Replace FastAPI's CDN pages (``/docs`` and ``/redoc``, which has no local copy) by a
    ``/docs`` whose scripts, styles and icon are served from ``/docs/assets``."""
    app.router.routes[:] = [r for r in app.router.routes if not _cdn_page(r, app)]
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.get(DOCS, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page(app))


def page(app: FastAPI) -> str:
    """The /docs page of ``app``."""
    config = {
        "urls": documents(app),
        "dom_id": "#swagger-ui",
        "layout": "StandaloneLayout",
        "deepLinking": True,
        # No validator badge: it would send the document to a server on the internet.
        "validatorUrl": None,
        "oauth2RedirectUrl": app.swagger_ui_oauth2_redirect_url,
    }
    # JSON inside <script>: "</" must not close the element early.
    text = json.dumps(config).replace("</", "<\\/")
    return PAGE.format(title=escape(f"{app.title}: API docs"), assets=ASSETS, config=text)


def documents(app: FastAPI) -> list[dict[str, str]]:
    """The OpenAPI documents the page offers, the first shown first."""
    found = [{"url": app.openapi_url or "/openapi.json", "name": f"{app.title} (all APIs)"}]
    if _serves(app, V1_OPENAPI):
        found.insert(0, {"url": V1_OPENAPI, "name": f"{app.title} /v1"})
    return found


def _cdn_page(route: BaseRoute, app: FastAPI) -> bool:
    pages = {app.docs_url, app.redoc_url} - {None}
    return isinstance(route, Route) and route.path in pages


def _serves(app: FastAPI, path: str) -> bool:
    for route in app.router.routes:
        if isinstance(route, Route) and route.path == path:
            return True
        if isinstance(route, Mount) and path.startswith(route.path + "/"):
            return True
    return False
