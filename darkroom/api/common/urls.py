"""Absolute URLs handed to clients: from DARKROOM_PUBLIC_URL, else from a trusted Host only.

A link built from whatever ``Host`` a request names lets anyone who can get a response cached or
relayed (a CDN, a shared proxy, a password-reset style mail) point other users' links at a host of
their choosing. So the Host header is used only when it names one of ``DARKROOM_TRUSTED_HOSTS``
(default: the loopback names, for local use; ``*`` trusts any, the old behaviour). Any other Host
is not refused: its links use the first trusted host instead, with the request's scheme and the
port the server listens on, so the answer is still correct for the deployment and carries
nothing the client chose. Set ``DARKROOM_PUBLIC_URL`` in production and none of this applies.

Links darkroom does not build itself (Starlette's trailing-slash redirects read the Host header)
are covered by :class:`HostGuard`, which replaces an untrusted Host before routing.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from darkroom.config import Settings
from darkroom.core.runtime import Runtime

TRUST_ANY = "*"
DEFAULT_PORTS = {"http": 80, "https": 443}


def base_url(request: Request, runtime: Runtime) -> str:
    """``https://images.example.com`` from settings, else this request's scheme and host when
    that host is trusted, else the first trusted host."""
    settings = runtime.settings
    configured = settings.public_url.rstrip("/")
    if configured:
        return configured
    if is_trusted(settings, request.headers.get("host", "")):
        return str(request.base_url).rstrip("/")
    return f"{request.url.scheme}://{_fallback_netloc(settings, request.scope)}"


def is_trusted(settings: Settings, netloc: str) -> bool:
    """Whether links may name ``netloc``: a trusted host, or the public URL's own."""
    trusted = settings.trusted_host_names
    if TRUST_ANY in trusted:
        return True
    names = {host_name(t) for t in trusted}
    if settings.public_url:
        names.add(host_name(urlsplit(settings.public_url).netloc))
    return bool(netloc) and host_name(netloc) in names


class HostGuard:
    """Replaces an untrusted ``Host`` header, before anything reads it, by the host links name
    (the public URL's, else the first trusted one with the listening port)."""

    def __init__(self, app: ASGIApp, *, settings: Callable[[], Settings]) -> None:
        self.app = app
        self.settings = settings
        # Verdicts per (settings, Host) seen: every request asks, and clients send few Hosts.
        self._verdicts: dict[tuple[int, str], bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            settings = self.settings()
            headers: list[tuple[bytes, bytes]] = scope["headers"]
            netloc = next((v.decode("latin-1") for k, v in headers if k == b"host"), "")
            if not self._trusted(settings, netloc):
                if settings.public_url:
                    host = urlsplit(settings.public_url).netloc
                else:
                    host = _fallback_netloc(settings, scope)
                kept = [(k, v) for k, v in headers if k != b"host"]
                scope = {**scope, "headers": [(b"host", host.encode("latin-1")), *kept]}
        await self.app(scope, receive, send)

    def _trusted(self, settings: Settings, netloc: str) -> bool:
        key = (id(settings), netloc)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = is_trusted(settings, netloc)
            if len(self._verdicts) < _VERDICTS_KEPT:  # Host is the client's to choose: bounded
                self._verdicts[key] = verdict
        return verdict


_VERDICTS_KEPT = 1024


def host_name(netloc: str) -> str:
    """``Example.COM:8000`` -> ``example.com``; ``[::1]:8000`` -> ``[::1]``."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[: netloc.find("]") + 1] if "]" in netloc else netloc
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


def _fallback_netloc(settings: Settings, scope: Scope) -> str:
    """The first trusted host, with the listening port (from the connection, not from any
    header) unless the entry names one or it is the scheme's default."""
    trusted = settings.trusted_host_names
    host = trusted[0] if trusted else "localhost"
    if host_name(host) != host:
        return host
    server = scope.get("server")
    port = server[1] if server else None
    default = DEFAULT_PORTS.get(scope.get("scheme", "http"))
    return host if port is None or port == default else f"{host}:{port}"
