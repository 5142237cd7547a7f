"""The fast lane: image deliveries answered from memory before the framework routes them.

Most requests an image service gets are for things it sent before: a gallery's thumbnails, a
CDN revalidating. When what a request asks for is remembered (its resolution and plan, and then
either the client's copy is current or the bytes are kept in memory), nothing needs routing,
dependency injection, a worker thread, the database or the store. This middleware sits just
inside ``ObserveMiddleware`` (so the request still gets its id, metrics and log line), matches
the delivery routes the doors declare (``LaneRoute``), and answers such requests at once with
the very functions the doors' routes use (``api/common/delivery.py``). Anything else, and any
request the lane is not sure of (a parameter that does not parse, a header the door checks),
goes on to the app unchanged, where the route answers it, and fills the memory for next time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from darkroom.api.common import delivery, observe
from darkroom.api.common.delivery import Wanted
from darkroom.core.runtime import Runtime

# A door's translation of a request into what it wants sent; raising anything (or returning
# None) hands the request to the app, which answers it in full, errors included.
Translate = Callable[[Runtime, dict[str, str], QueryParams, Headers], Wanted | None]

_SEGMENT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class LaneRoute:
    template: str  # the route's own template, e.g. "/images/{public_id}" (also its metric label)
    translate: Translate

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(_SEGMENT.sub(r"(?P<\1>[^/]+)", self.template))


@lru_cache(maxsize=4096)
def _query(raw: bytes) -> QueryParams:
    """Parsed once per distinct query string: a gallery asks for the same few sizes (immutable,
    so safe to share between requests)."""
    return QueryParams(raw)


class DeliveryLane:
    def __init__(
        self, app: ASGIApp, *, routes: Sequence[LaneRoute], runtime: Callable[[], Runtime]
    ) -> None:
        self.app = app
        self.routes = [(route, route.pattern) for route in routes]
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            for route, pattern in self.routes:
                match = pattern.fullmatch(scope["path"])
                if match is not None:
                    if await self._answered(route, match.groupdict(), scope, receive, send):
                        return
                    break
        await self.app(scope, receive, send)

    async def _answered(
        self, route: LaneRoute, path: dict[str, str], scope: Scope, receive: Receive, send: Send
    ) -> bool:
        rt = self.runtime()
        headers = Headers(scope=scope)
        try:
            wanted = route.translate(rt, path, _query(scope["query_string"]), headers)
        except Exception:
            return False  # the route says what is wrong, in the door's words
        if wanted is None:
            return False
        try:
            prepared = delivery.prepared_from_memory(rt, wanted)
        except Exception:
            return False  # refused (say, a link's signature): the route answers, in its words
        if prepared is None:
            return False
        response = delivery.answer_from_memory(rt, prepared, headers)
        if response is None:
            return False
        observe.name_operation(scope, route.template)
        await response(scope, receive, send)
        return True
