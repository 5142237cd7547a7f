"""Liveness and readiness probes for load balancers and orchestrators.

``/readyz`` checks the database (``SELECT 1``) and the blob store (a cheap read: does
``PROBE_KEY`` exist; nothing is written). Its answer is kept ``READY_CACHE_SECONDS``, so load
balancers polling every second, from many places, cost the database and the store one probe per
window and process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse

from darkroom.api.common.deps import get_runtime
from darkroom.core import metrics
from darkroom.core.runtime import Runtime

router = APIRouter(tags=["health"])

PROBE_KEY = "health/ready-probe"  # read, never written: whether it exists does not matter
READY_CACHE_SECONDS = 2.0

Checks = dict[str, str]


def probe(runtime: Runtime) -> Checks:
    """Run every check now: ``"ok"`` or ``"error: <class>"`` for each (no messages: they may
    name hosts or credentials)."""
    checks: Checks = {}
    for name, check in (
        ("database", runtime.ping),
        ("storage", lambda: runtime.store.exists(PROBE_KEY)),
    ):
        try:
            check()
            checks[name] = "ok"
        except Exception as error:  # any failure means "not ready", whatever the driver raised
            checks[name] = f"error: {type(error).__name__}"
        metrics.READINESS_PROBES.labels(name, "ok" if checks[name] == "ok" else "error").inc()
    return checks


class Readiness:
    """The last probe's checks, answered again until they are ``ttl`` seconds old (None: the
    module's ``READY_CACHE_SECONDS`` at each call). One caller probes; the others wait for it."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runtime = runtime
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._checks: Checks | None = None
        self._at = 0.0

    def checks(self) -> Checks:
        ttl = READY_CACHE_SECONDS if self.ttl is None else self.ttl
        with self._lock:
            now = self.clock()
            if self._checks is None or now - self._at >= ttl:
                self._checks, self._at = probe(self.runtime), now
            return self._checks


def get_readiness(request: Request) -> Readiness:
    """The app's ``Readiness``, made on the first probe (the runtime exists only from start-up)."""
    state = request.app.state
    readiness: Readiness | None = getattr(state, "readiness", None)
    if readiness is None:
        readiness = state.readiness = Readiness(get_runtime(request))
    return readiness


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up and serving HTTP."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(readiness: Annotated[Readiness, Depends(get_readiness)]) -> JSONResponse:
    """The database answers and the blob store can be read (checked at most every
    ``READY_CACHE_SECONDS``)."""
    checks = readiness.checks()
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
        headers={"Cache-Control": "no-store"},
    )
