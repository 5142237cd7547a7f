"""The FastAPI application factory: one runtime, the front doors, their error handling, and
what every request records (id, metrics, log line)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache

from fastapi import FastAPI, Request
from fastapi.telemetry import TelemetryConfig
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from darkroom import __version__, logs, web
from darkroom.api import admin, cyclos, health, metrics, moov, procore, v1
from darkroom.api.admin.gate import AdminGate
from darkroom.api.common import outages, rate_limits
from darkroom.api.common.body_limit import BodyLimitMiddleware
from darkroom.api.common.doors import Door, DoorRegistry
from darkroom.api.common.lane import DeliveryLane, LaneMemory
from darkroom.api.common.observe import FastAnswers, ObserveMiddleware, Observer
from darkroom.api.common.urls import HostGuard
from darkroom.config import Settings
from darkroom.core import accounts
from darkroom.core import metrics as core_metrics
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.db import outages as database_outages
from darkroom.errors import DarkroomError, RateLimited, TooLarge

# Multipart framing around a file may add this much to the file's own bytes.
MULTIPART_SLACK = 64 * 1024


class Darkroom(FastAPI):
    """FastAPI, except for what memory alone answers (a delivery sent before, or its 304): that
    is sent by ``fast`` before the framework runs, since it is most of what an image service is
    asked for (``api/common/lane.py``)."""

    fast: FastAnswers | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.fast is not None
            and scope["type"] == "http"
            and await self.fast.answered(scope, send)
        ):
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Darkroom:
    """A darkroom app. Pass ``runtime`` to share one (tests); otherwise the app opens its own."""
    settings = settings or (runtime.settings if runtime else Settings())
    owns_runtime = runtime is None
    logs.configure(settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or open_runtime(settings)
        app.state.runtime = rt
        if settings.admin_user:
            hashed = accounts.HashedPassword.of(settings.admin_password)  # before the transaction
            with rt.transaction() as session:
                accounts.ensure_admin(session, settings.admin_user, hashed)
        try:
            yield
        finally:
            if owns_runtime:
                rt.close()
                core_metrics.process_stopped()

    # darkroom's metrics are Prometheus' (/metrics); FastAPI's OpenTelemetry hooks stay off, so
    # no request pays for asking whether they are configured.
    no_telemetry: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
    app = Darkroom(title="darkroom", version=__version__, lifespan=lifespan, telemetry=no_telemetry)
    if runtime is not None:
        app.state.runtime = runtime
    doors = DoorRegistry(default=Door(name="darkroom", prefixes=("/",)))
    app.state.doors = doors
    app.include_router(health.router)
    metrics.install(app, settings)
    doors.add(Door(name="admin", prefixes=(admin.router.prefix,)))
    app.include_router(admin.router)
    for install_door in (procore.install, moov.install, cyclos.install):
        install_door(app, doors)
    v1.install(app, doors, settings)  # darkroom's own API (docs/api.md)
    web.install(app)  # the gallery at / (assets under /gallery) and /docs without a CDN

    def body_cap(path: str) -> int:
        door_cap = doors.door_for(path).max_body_bytes
        return (door_cap or settings.max_upload_bytes) + MULTIPART_SLACK

    def reject(path: str, error: TooLarge) -> Response:
        return doors.door_for(path).render_error(error)

    def refuse(path: str, error: DarkroomError) -> Response:
        if isinstance(error, RateLimited):
            return rate_limits.render(doors, path, error)
        return doors.door_for(path).render_error(error)

    # Credentials for the admin API before the app reads any byte of a body.
    app.add_middleware(AdminGate, runtime=lambda: app.state.runtime, refuse=refuse)
    app.add_middleware(BodyLimitMiddleware, limit_for=body_cap, reject=reject)
    lane = LaneMemory(doors.lanes(), runtime=lambda: app.state.runtime)
    app.add_middleware(
        DeliveryLane, memory=lane, refuse=lambda path, error: rate_limits.render(doors, path, error)
    )
    # Links only from trusted hosts: an untrusted Host is replaced before anything reads it.
    app.add_middleware(HostGuard, settings=lambda: app.state.runtime.settings)
    # Added last, so outermost: it times whole answers and tags every one with its request id.
    door_name = lru_cache(maxsize=8192)(lambda path: doors.door_for(path).name)
    observer = Observer(door_of=door_name)
    app.add_middleware(ObserveMiddleware, observer=observer)
    app.fast = FastAnswers(lane.ready, observer)

    @app.exception_handler(DarkroomError)
    async def domain_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, DarkroomError)
        return doors.door_for(request.url.path).render_error(error)

    rate_limits.install(app, doors)  # RateLimited: 429 + Retry-After in the door's shape
    # A lost database (or another service) answers 503 in the door's shape, not 500.
    outages.install(
        app, doors, causes=database_outages.CAUSES, translate=database_outages.unavailable
    )
    return app
