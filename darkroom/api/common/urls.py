"""Absolute URLs handed to clients: from DARKROOM_PUBLIC_URL, else from a trusted Host only.

A link built from whatever ``Host`` a request names lets anyone who can get a response cached or
relayed (a CDN, a shared proxy, a password-reset style mail) point other users' links at a host of
their choosing. So the Host header is used only when it names one of ``DARKROOM_TRUSTED_HOSTS``
(default: the loopback names, for local use; ``*`` trusts any, the old behaviour). Any other Host
is not refused: its links use the first trusted host instead, with the request's scheme and the
port the server listens on, so the answer is still correct for the deployment and carries
nothing the client chose. Set ``DARKROOM_PUBLIC_URL`` in production and none of this applies.
"""

from __future__ import annotations

from starlette.requests import Request

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
    trusted = settings.trusted_host_names
    netloc = request.headers.get("host", "")
    if TRUST_ANY in trusted or (netloc and host_name(netloc) in {host_name(t) for t in trusted}):
        return str(request.base_url).rstrip("/")
    scheme = request.url.scheme
    fallback = trusted[0] if trusted else "localhost"
    return f"{scheme}://{fallback}{_port_suffix(request, scheme, fallback)}"


def host_name(netloc: str) -> str:
    """``Example.COM:8000`` -> ``example.com``; ``[::1]:8000`` -> ``[::1]``."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[: netloc.find("]") + 1] if "]" in netloc else netloc
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


def _port_suffix(request: Request, scheme: str, host: str) -> str:
    """The listening port (from the connection, not from any header), unless the configured
    host names one or it is the scheme's default."""
    if host_name(host) != host:
        return ""
    server = request.scope.get("server")
    port = server[1] if server else None
    return "" if port is None or port == DEFAULT_PORTS.get(scheme) else f":{port}"
