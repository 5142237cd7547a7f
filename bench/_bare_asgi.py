"""The smallest ASGI app worth serving: 50 KB from memory on every request.

bench/servers.py serves it under each HTTP server to see what the server alone costs, with no
framework and no darkroom code in the way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

BODY = bytes(range(256)) * 200  # 51,200 bytes
HEADERS = [
    (b"content-type", b"application/octet-stream"),
    (b"content-length", str(len(BODY)).encode()),
]

Message = MutableMapping[str, Any]


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


async def lifespan(
    receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
) -> None:
    """Nothing to start or stop: each lifespan event acknowledged."""
    while (await receive())["type"] != "lifespan.shutdown":
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})
