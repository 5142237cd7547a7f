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

What a door's translation made of a request is remembered too, keyed by everything it was
allowed to read: the path, the query string and the headers its route declares (``reads``; it is
shown no other). So a request asked before skips translation and lookups, until the next change
anywhere (the change counter of ``core/generation.py``) makes every such answer be worked out
again.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from darkroom.api.common import delivery, observe, rate_limits
from darkroom.api.common.delivery import Prepared, Wanted
from darkroom.core import delivery as core_delivery
from darkroom.core.lru import LRU
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.errors import RateLimited

# A door's translation of a request into what it wants sent; raising anything (or returning
# None) hands the request to the app, which answers it in full, errors included.
Translate = Callable[[Runtime, dict[str, str], QueryParams, Headers], Wanted | None]

_SEGMENT = re.compile(r"\{(\w+)\}")


# What delivery reads of a request (its conditions and ranges), besides what the door's
# translation reads.
_CONDITIONS = frozenset({b"if-none-match", b"if-modified-since", b"range", b"if-range"})
_REMEMBERED_SHAPES = 16_384
# How long a render refused from memory waits before its 429 (a flood's 16 connections then
# get at most 320 answers a second; a client that was told Retry-After loses nothing).
REFUSAL_PAUSE_S = 0.05

RawHeaders = tuple[tuple[bytes, bytes], ...]
Admit = Callable[[ImageRecord], None]


@dataclass(frozen=True)
class LaneRoute:
    template: str  # the route's own template, e.g. "/images/{public_id}" (also its metric label)
    translate: Translate
    reads: frozenset[str] = frozenset()  # the request headers ``translate`` is shown (lower case)

    @property
    def raw_reads(self) -> frozenset[bytes]:
        return frozenset(name.encode("latin-1") for name in self.reads)

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
        self,
        app: ASGIApp,
        *,
        routes: Sequence[LaneRoute],
        runtime: Callable[[], Runtime],
        refuse: Callable[[str, RateLimited], Response],
    ) -> None:
        self.app = app
        self.refuse = refuse  # the 429 of the door serving a path
        self.routes = [(route, route.pattern, route.raw_reads) for route in routes]
        self.runtime = runtime
        # (route template, path, query, headers read) -> (generation, what it was translated to,
        # the check the door runs on every request)
        self._prepared: LRU[Hashable, tuple[int, Prepared, Admit | None]] = LRU(_REMEMBERED_SHAPES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            for route, pattern, reads in self.routes:
                match = pattern.fullmatch(scope["path"])
                if match is not None:
                    if await self._answered(route, match, reads, scope, receive, send):
                        return
                    break
        await self.app(scope, receive, send)

    async def _answered(
        self,
        route: LaneRoute,
        match: re.Match[str],
        reads: frozenset[bytes],
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> bool:
        rt = self.runtime()
        read, conditions = _split(scope["headers"], reads)
        prepared = self._prepare(rt, route, match, read, scope)
        if prepared is None:
            return False
        conditional = Headers(raw=conditions)
        response = delivery.answer_from_memory(rt, prepared, conditional)
        if response is None:
            response = await self._from_store(rt, prepared, conditional, scope)
            if response is None:
                return False
        observe.name_operation(scope, route.template)
        await response(scope, receive, send)
        return True

    async def _from_store(
        self, rt: Runtime, prepared: Prepared, conditional: Headers, scope: Scope
    ) -> Response | None:
        """The bytes from the store, as the route sends them (rendered first if need be, charged
        to the caller's address); a refused render is answered here too, so a flood of new
        sizes costs no trip through the app, and once the blob's stored variants were read
        (``core/stored_specs.py``) no thread or query either. Anything else going wrong hands
        the request to the app (None), which says what in the door's words."""
        charged = replace(prepared, client=rate_limits.address_of(scope))
        known_refusal = core_delivery.refusal_from_memory(rt, prepared.plan, charged.client)
        if known_refusal is not None:  # a flood's new sizes: no thread, no query
            # Answered a moment late, which costs nothing here: a client that keeps each of its
            # connections asking gets fewer answers a second, and other clients the CPU.
            await asyncio.sleep(REFUSAL_PAUSE_S)
            return self.refuse(scope["path"], known_refusal)
        try:
            return await run_in_threadpool(delivery.send, rt, charged, conditional)
        except RateLimited as refused:
            return self.refuse(scope["path"], refused)
        except Exception:
            return None

    def _prepare(
        self, rt: Runtime, route: LaneRoute, match: re.Match[str], read: RawHeaders, scope: Scope
    ) -> Prepared | None:
        """What the route makes of the request, from memory only (None: the app must answer)."""
        shape = (route.template, scope["path"], scope["query_string"], read)
        epoch = rt.resolutions.epoch()  # before the lookups: a change during them is not missed
        known = self._prepared.get(shape)
        if known is not None and known[0] == epoch:
            _epoch, remembered, admit = known
            try:
                if admit is not None:
                    admit(remembered.image)  # each time: a signed link expires
            except Exception:
                return None  # refused: the route answers, in the door's words
            return remembered
        try:
            query = _query(scope["query_string"])
            wanted = route.translate(rt, match.groupdict(), query, Headers(raw=list(read)))
            prepared = delivery.prepared_from_memory(rt, wanted) if wanted else None
        except Exception:
            return None  # the route says what is wrong (a bad parameter, a refused link)
        if wanted is not None and prepared is not None:
            self._prepared.put(shape, (epoch, prepared, wanted.admit))
        return prepared


def _split(
    headers: Iterable[tuple[bytes, bytes]], reads: frozenset[bytes]
) -> tuple[RawHeaders, list[tuple[bytes, bytes]]]:
    """The headers the route reads, and those the delivery's conditions read."""
    read: list[tuple[bytes, bytes]] = []
    conditions: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        if name in reads:
            read.append((name, value))
        elif name in _CONDITIONS:
            conditions.append((name, value))
    return tuple(read), conditions
