"""What every response of the Moov door shares, whichever route (or none) answers it.

- a malformed ``X-Moov-Version`` is answered 404 before anything else runs (Moov's behaviour);
- every response carries an ``x-request-id`` (a UUID, as Moov's do): the request's one id
  (``api/common/observe``), which replaces those the error renderers bring;
- an unexpected failure is a JSON 500, not a text one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from darkroom.api.common import observe
from darkroom.api.moov import errors, versions
from darkroom.errors import NotFound

logger = logging.getLogger(__name__)


class MoovHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, applies_to: Callable[[str], bool]) -> None:
        self.app = app
        self.applies_to = applies_to

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.applies_to(scope["path"]):
            await self.app(scope, receive, send)
            return
        request_id = observe.request_id(scope) or str(uuid.uuid4())
        started = False

        async def tagged_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                if "x-request-id" not in headers:  # error renderers bring their own
                    headers["x-request-id"] = request_id
            await send(message)

        version = Headers(scope=scope).get("x-moov-version")
        if not versions.accepted(version):
            unknown = NotFound("api version", version, f"unsupported X-Moov-Version {version!r}")
            await errors.render_error(unknown)(scope, receive, tagged_send)
            return
        try:
            await self.app(scope, receive, tagged_send)
        except ClientDisconnect:
            return  # nobody is left to answer
        except Exception:
            if started:
                raise
            logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            await errors.internal_error()(scope, receive, tagged_send)
