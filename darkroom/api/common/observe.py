"""What darkroom records of every request, whichever door answers it.

- **A request id**: the client's ``X-Request-Id`` when it looks like one (``SANE_REQUEST_ID``),
  else a new UUID. It is kept in the request's scope state (``request_id(scope)``, so a door adds
  no second one), sent back as the one ``X-Request-Id`` of the response (replacing any a door's
  error renderer set), and written in every log line of the request.
- **Metrics** (``darkroom_http_*`` in ``core/metrics.py``), labelled by door, operation, method
  and status. The operation is the route template (``/accounts/{accountID}/images``), never the
  path: paths carry tenant ids and capabilities. A door that routes by itself names the template
  it matched with ``name_operation``; a request no route matched is ``unmatched``.
- **A log line** on ``darkroom.requests``, written when that logger is enabled at INFO (with
  ``DARKROOM_LOG_FORMAT=json``, see ``darkroom/logs.py``): id, door, operation, method, status,
  duration and bytes in and out. Never the path, the query string or any header, so no token,
  password or capability can reach the logs.

The middleware is registered last, so it is the outermost one and times the whole answer. An
exception no handler answered gets here before Starlette's last-resort 500; that plain 500 is
sent from here, in the same words, so that it carries the request id too. (A handler registered
for 500 or ``Exception`` answers instead, and should add ``request_id(scope)`` itself.)
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import re
import time
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from prometheus_client import Counter
from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from darkroom import logs
from darkroom.core import metrics
from darkroom.core.tallies import RequestTally

REQUEST_ID_HEADER = "x-request-id"
# Ids other systems make (UUIDs, ULIDs, trace ids) pass; anything that could break a header or a
# log line, or blow up its size, is replaced by our own.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")

UNMATCHED = "unmatched"  # the operation of a request no route matched
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_REQUEST_ID = "request_id"  # keys in the ASGI scope's "state"
_OPERATION = "operation"

logger = logging.getLogger(logs.REQUESTS)


def new_request_id() -> str:
    """A new UUID, as text: 80 bits drawn at random once per process, then a 48-bit count.
    Request ids need to be unique, not unpredictable, and this costs a quarter of a random
    UUID per request. The layout is RFC 9562's for custom UUIDs (version 8)."""
    return f"{_prefix}{next(_counter) & _COUNT_MASK:012x}"


_COUNT_MASK = (1 << 48) - 1


def _draw_prefix() -> None:
    """The process's random part, as the first four groups of the UUID's text."""
    global _prefix, _counter
    bits = f"{random.SystemRandom().getrandbits(80):020x}"
    variant = "89ab"[int(bits[15], 16) & 3]
    _prefix = f"{bits[:8]}-{bits[8:12]}-8{bits[12:15]}-{variant}{bits[16:19]}-"
    _counter = itertools.count()


_prefix, _counter = "", itertools.count()
_draw_prefix()
os.register_at_fork(after_in_child=_draw_prefix)  # a forked worker must not repeat its parent


def request_id(scope: Scope) -> str | None:
    """The id of the request in ``scope``, once the middleware has given it one."""
    value = scope.get("state", {}).get(_REQUEST_ID)
    return value if isinstance(value, str) else None


def name_operation(scope: Scope, template: str) -> None:
    """Name the operation of a request routed by its door's own dispatcher (a route template,
    such as ``/api/{user}/images``)."""
    scope.setdefault("state", {})[_OPERATION] = template


def operation_of(scope: Scope) -> str:
    named = scope.get("state", {}).get(_OPERATION)
    if isinstance(named, str):
        return named
    template = getattr(scope.get("route"), "path", None)
    return template if isinstance(template, str) else UNMATCHED


_RAW_REQUEST_ID_HEADER = REQUEST_ID_HEADER.encode()


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _RAW_REQUEST_ID_HEADER:
            given = value.decode("latin-1")
            return given if SANE_REQUEST_ID.fullmatch(given) else None
    return None


def _tagged(message: Message, rid: str) -> None:
    """Give the response start ``message`` the one ``X-Request-Id`` header, ``rid``."""
    headers = message.get("headers")
    if not isinstance(headers, list):
        headers = message["headers"] = list(headers or ())
    if any(name.lower() == _RAW_REQUEST_ID_HEADER for name, _ in headers):
        MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid  # a door set one: replace it
    else:
        headers.append((_RAW_REQUEST_ID_HEADER, rid.encode("latin-1")))


def _plain_last_resort(scope: Scope) -> bool:
    """Whether an unhandled error would get Starlette's plain 500: no handler for 500 or
    ``Exception`` is registered (that one answers instead) and no debug page is shown."""
    app = scope.get("app")
    handlers = getattr(app, "exception_handlers", {})
    return not getattr(app, "debug", False) and not {500, Exception} & set(handlers)


_WORKER = metrics.WORKER_REQUESTS


class _Series(NamedTuple):
    answered: RequestTally  # count (also this worker's), duration, bytes sent
    bytes_in: Counter


@lru_cache(maxsize=4096)  # label values are bounded (doors, templates, methods, statuses)
def _series(door: str, operation: str, method: str, status: int) -> _Series:
    """The labelled children of one kind of request, looked up once rather than per request."""
    answered = RequestTally(
        metrics.HTTP_DURATION.labels(door, operation, method),
        counted=(metrics.HTTP_REQUESTS.labels(door, operation, method, str(status)), _WORKER),
        bytes_out=metrics.HTTP_RESPONSE_BYTES.labels(door, operation),
    )
    return _Series(answered, metrics.HTTP_REQUEST_BYTES.labels(door, operation))


# An answer made from memory alone (no body to read, nothing to route), and its operation.
FromMemory = Callable[[Scope], tuple[str, Response] | None]


class Observer:
    """Records what became of a request: its metrics, and its log line."""

    def __init__(self, *, door_of: Callable[[str], str]) -> None:
        self.door_of = door_of

    def record(
        self,
        scope: Scope,
        rid: str,
        status: int,
        bytes_in: int,
        bytes_out: int,
        seconds: float,
        *,
        operation: str | None = None,
    ) -> None:
        door = self.door_of(scope["path"])
        operation = operation or operation_of(scope)
        method = scope["method"] if scope["method"] in METHODS else "other"
        series = _series(door, operation, method, status)
        series.answered.add(seconds, bytes_out)
        if bytes_in:
            series.bytes_in.inc(bytes_in)
        if logger.isEnabledFor(logging.INFO):
            fields = {
                "request_id": rid,
                "door": door,
                "operation": operation,
                "method": method,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "bytes_in": bytes_in,
                "bytes_out": bytes_out,
            }
            logger.info("request", extra={"fields": fields})


class FastAnswers:
    """The hot path, run before the framework (``darkroom.app.Darkroom``): an answer memory
    alone makes (``from_memory``) is sent here with its request id and recorded, and nothing
    else runs: no middleware, no routing, no log context (nothing it does logs)."""

    def __init__(self, from_memory: FromMemory, observer: Observer) -> None:
        self.from_memory = from_memory
        self.observer = observer

    async def answered(self, scope: Scope, send: Send) -> bool:
        arrived = time.perf_counter()
        ready = self.from_memory(scope)
        if ready is None:
            return False
        operation, response = ready
        rid = _incoming_id(scope) or new_request_id()
        headers = response.raw_headers  # the response's own copy
        headers.append((_RAW_REQUEST_ID_HEADER, rid.encode("latin-1")))
        start = {"type": "http.response.start", "status": response.status_code, "headers": headers}
        await send(start)
        await send({"type": "http.response.body", "body": response.body})
        seconds = time.perf_counter() - arrived
        status, sent = response.status_code, len(response.body)
        self.observer.record(scope, rid, status, 0, sent, seconds, operation=operation)
        return True


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, *, observer: Observer) -> None:
        self.app = app
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = time.perf_counter()
        rid = _incoming_id(scope) or new_request_id()
        scope.setdefault("state", {})[_REQUEST_ID] = rid
        context = logs.REQUEST_ID.set(rid)
        status, bytes_in, bytes_out, started, recorded = 500, 0, 0, False, False

        def record() -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                seconds = time.perf_counter() - arrived
                self.observer.record(scope, rid, status, bytes_in, bytes_out, seconds)

        async def counted_receive() -> Message:
            nonlocal bytes_in
            message = await receive()
            if message["type"] == "http.request":
                bytes_in += len(message.get("body", b""))
            return message

        async def tagged_send(message: Message) -> None:
            nonlocal status, bytes_out, started
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                _tagged(message, rid)
            elif message["type"] == "http.response.body":
                bytes_out += len(message.get("body", b""))
                if not message.get("more_body", False):
                    record()  # before the last bytes leave: whoever got them can see the count
            await send(message)

        try:
            await self.app(scope, counted_receive, tagged_send)
        except Exception:
            if not started and _plain_last_resort(scope):
                # What Starlette's ServerErrorMiddleware would send, with the id; it sees the
                # response started, sends nothing more and lets the error be logged as before.
                await PlainTextResponse("Internal Server Error", status_code=500)(
                    scope, receive, tagged_send
                )
            raise
        finally:
            record()  # an answer cut short, or none at all
            logs.REQUEST_ID.reset(context)
