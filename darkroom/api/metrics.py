"""``/metrics``: darkroom's metrics in Prometheus' text format (``core/metrics.py``).

``DARKROOM_METRICS`` says who may read them: nobody (``off``: no route, so 404), anyone (``on``),
or callers that send ``Authorization: Bearer`` with ``DARKROOM_METRICS_TOKEN`` (``token``).
The metrics hold counts by door, route template and status, never a tenant's ids or data.
"""

from __future__ import annotations

import hmac

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from darkroom.config import Settings
from darkroom.core import metrics

PATH = "/metrics"


def install(app: FastAPI, settings: Settings) -> None:
    """Serve ``/metrics`` on ``app`` as ``settings.metrics`` says."""
    if settings.metrics == "off":
        return
    token = settings.metrics_token if settings.metrics == "token" else None

    async def scrape(request: Request) -> Response:
        if token is not None and not _bearer_is(request.headers.get("authorization"), token):
            return JSONResponse(
                {"error": "authentication required"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        # Summing the files of many workers reads the disk: off the event loop.
        body, content_type = await run_in_threadpool(metrics.exposition)
        return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})

    app.add_api_route(PATH, scrape, methods=["GET"], include_in_schema=False)


def _bearer_is(authorization: str | None, token: str) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
