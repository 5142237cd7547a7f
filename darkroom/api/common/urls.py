"""Absolute URLs handed to clients, honouring DARKROOM_PUBLIC_URL behind proxies."""

from __future__ import annotations

from starlette.requests import Request

from darkroom.core.runtime import Runtime


def base_url(request: Request, runtime: Runtime) -> str:
    """``https://images.example.com`` from settings, else the scheme and host of this request."""
    configured = runtime.settings.public_url.rstrip("/")
    if configured:
        return configured
    return str(request.base_url).rstrip("/")
