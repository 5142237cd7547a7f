"""Caps request bodies while they stream in, so no request can make darkroom buffer without bound.

A declared ``Content-Length`` over the cap is refused before the app runs. A body that grows past
the cap while streaming makes ``receive`` raise ``TooLarge``, and whatever the app answers then is
replaced by the door's error response, so the client always gets the door's own error body.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from darkroom.errors import TooLarge


class BodyLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limit_for: Callable[[str], int],
        reject: Callable[[str, TooLarge], Response],
    ) -> None:
        self.app = app
        self.limit_for = limit_for
        self.reject = reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.limit_for(path)
        too_large = TooLarge(f"request body is larger than {limit} bytes", limit=limit)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self.reject(path, too_large)(scope, receive, send)
            return

        received = 0
        overflowed = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, overflowed
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overflowed = True
                    raise too_large
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if overflowed:
                if not started:
                    started = True
                    await self.reject(path, too_large)(scope, receive, send)
                return  # the app's own answer to a cut-off body is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not overflowed:
                raise
            if not started:
                await self.reject(path, too_large)(scope, receive, send)
