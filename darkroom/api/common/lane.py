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
from typing import NamedTuple

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from darkroom.api.common import delivery, observe, rate_limits
from darkroom.api.common.conditions import NAMES as CONDITION_NAMES
from darkroom.api.common.conditions import NONE as NO_CONDITIONS
from darkroom.api.common.conditions import Conditions
from darkroom.api.common.delivery import BytesSent, Prepared, Wanted
from darkroom.core import delivery as core_delivery
from darkroom.core.lru import LRU
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.errors import RateLimited

# A door's translation of a request into what it wants sent; raising anything (or returning
# None) hands the request to the app, which answers it in full, errors included.
Translate = Callable[[Runtime, dict[str, str], QueryParams, Headers], Wanted | None]

_SEGMENT = re.compile(r"\{(\w+)\}")


_REMEMBERED_SHAPES = 16_384
# How long a render refused from memory waits before its 429 (a flood's 16 connections then
# get at most 320 answers a second; a client that was told Retry-After loses nothing).
REFUSAL_PAUSE_S = 0.05

RawHeaders = tuple[tuple[bytes, bytes], ...]
Admit = Callable[[ImageRecord], None]
Matched = tuple["LaneRoute", re.Match[str], frozenset[bytes]]
Known = tuple[Runtime, Prepared, Conditions]  # what memory made of a request


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


class Ready(NamedTuple):
    """An answer made from memory alone, and the route template it answers (its operation)."""

    operation: str
    response: BytesSent


class LaneMemory:
    """The delivery routes the doors declare, and what their translations made of requests."""

    def __init__(self, routes: Sequence[LaneRoute], runtime: Callable[[], Runtime]) -> None:
        for route in routes:
            # The lane answers before HostGuard replaces an untrusted Host: no answer may read it.
            assert "host" not in route.reads, route.template
        self.routes = [(route, route.pattern, route.raw_reads) for route in routes]
        self.runtime = runtime
        # (route template, path, query, headers read) -> (generation, what it was translated to,
        # the check the door runs on every request)
        self._prepared: LRU[Hashable, tuple[int, Prepared, Admit | None]] = LRU(_REMEMBERED_SHAPES)

    def matched(self, scope: Scope) -> Matched | None:
        """The lane route of a GET or HEAD request, if any."""
        if scope["method"] not in ("GET", "HEAD"):
            return None
        for route, pattern, reads in self.routes:
            match = pattern.fullmatch(scope["path"])
            if match is not None:
                return route, match, reads
        return None

    def ready(self, scope: Scope) -> Ready | None:
        """The answer to ``scope`` when memory alone makes it: a 304, or bytes kept in memory."""
        matched = self.matched(scope)
        if matched is None:
            return None
        known = self.prepared(matched, scope)
        if known is None:
            return None
        rt, prepared, conditional = known
        response = delivery.answer_from_memory(rt, prepared, conditional)
        return None if response is None else Ready(matched[0].template, response)

    def prepared(self, matched: Matched, scope: Scope) -> Known | None:
        """What the route makes of the request, from memory only (None: the app must answer),
        with the request's conditions (``If-None-Match``, ``Range``...)."""
        route, match, reads = matched
        rt = self.runtime()
        read, conditions = _split(scope["headers"], reads)
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
            return rt, remembered, conditions
        try:
            query = _query(scope["query_string"])
            wanted = route.translate(rt, match.groupdict(), query, Headers(raw=list(read)))
            prepared = delivery.prepared_from_memory(rt, wanted) if wanted else None
        except Exception:
            return None  # the route says what is wrong (a bad parameter, a refused link)
        if wanted is None or prepared is None:
            return None
        self._prepared.put(shape, (epoch, prepared, wanted.admit))
        return rt, prepared, conditions


class DeliveryLane:
    """Deliveries whose image and plan memory holds but whose bytes must come from the store
    (answers from memory alone are sent by ``ObserveMiddleware`` through ``LaneMemory.ready``,
    before any other middleware)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        memory: LaneMemory,
        refuse: Callable[[str, RateLimited], Response],
    ) -> None:
        self.app = app
        self.memory = memory
        self.refuse = refuse  # the 429 of the door serving a path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            matched = self.memory.matched(scope)
            if matched is not None and await self._answered(matched, scope, receive, send):
                return
        await self.app(scope, receive, send)

    async def _answered(self, matched: Matched, scope: Scope, receive: Receive, send: Send) -> bool:
        known = self.memory.prepared(matched, scope)
        if known is None:
            return False
        rt, prepared, conditional = known
        # What memory alone answers was answered before this (FastAnswers): asking it again
        # would only count a second miss.
        response = await self._from_store(rt, prepared, conditional, scope)
        if response is None:
            return False
        observe.name_operation(scope, matched[0].template)
        await response(scope, receive, send)
        return True

    async def _from_store(
        self, rt: Runtime, prepared: Prepared, conditional: Conditions, scope: Scope
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


def _split(
    headers: Iterable[tuple[bytes, bytes]], reads: frozenset[bytes]
) -> tuple[RawHeaders, Conditions]:
    """The headers the route reads, and the delivery's conditions."""
    read: list[tuple[bytes, bytes]] = []
    conditions: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        if name in reads:
            read.append((name, value))
        elif name in CONDITION_NAMES:
            conditions.append((name, value))
    return tuple(read), Conditions.from_raw(conditions) if conditions else NO_CONDITIONS
