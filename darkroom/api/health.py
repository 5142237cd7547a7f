"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import io

from fastapi import APIRouter
from starlette.responses import JSONResponse

from darkroom.api.common.deps import RuntimeDep

router = APIRouter(tags=["health"])

PROBE_KEY = "health/ready-probe"


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up and serving HTTP."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(runtime: RuntimeDep) -> JSONResponse:
    """The database answers and the blob store takes writes."""
    checks: dict[str, str] = {}
    try:
        runtime.ping()
        checks["database"] = "ok"
    except Exception as error:  # any failure means "not ready", whatever the driver raised
        checks["database"] = f"error: {type(error).__name__}"
    try:
        runtime.store.put(PROBE_KEY, io.BytesIO(b"ok"))
        checks["storage"] = "ok"
    except Exception as error:
        checks["storage"] = f"error: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
