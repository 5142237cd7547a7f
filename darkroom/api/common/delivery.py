"""Sending images over HTTP, the same way for every door (Moov public images, Cyclos content,
Procore ``url``/``thumbnail_url``): the wire end of ``core/delivery.py``.

A door says what it wants (``Wanted``): the key its resolution may be remembered under, how to
find the image (its own lookup, with its access rules), the ``Ask`` for that image and the
caching headers. ``answer`` then runs the pipeline, trying each step from memory on the event
loop before it goes to a worker thread:

resolve → plan (ETag) → ``If-None-Match``/``If-Modified-Since`` answered with 304 → bytes kept in
memory → where the bytes are (``fetch``) → sent from a file (``files.py``: ``pathsend`` where the
server offers it, ranges), handed to a fronting nginx (``X-Accel-Redirect``), redirected to a
short-lived presigned URL, or streamed from the store with bounded memory.

Every image response says ``X-Content-Type-Options: nosniff``; images not every guest may see are
``Cache-Control: private``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from darkroom.api.common.conditions import Conditions
from darkroom.api.common.files import FileSent, LocalFile
from darkroom.core import delivery, metrics, signing
from darkroom.core.delivery import Ask, Delivery, Plan
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.core.tallies import Tally
from darkroom.errors import NotFound

# Variants are immutable per (blob, spec) and their ETag changes with the bytes, so caches may keep
# them for a day and must revalidate after; originals behind capabilities the same.
DEFAULT_CACHE_CONTROL = "public, max-age=86400"
# Images only their owner and managers see must not sit in shared caches, and their links expire
# or end (trash, privacy): a browser keeps its copy but asks again before each use (a 304 from
# memory while the link holds, a refusal once it does not).
PRIVATE_CACHE_CONTROL = "private, no-cache"
NOSNIFF = {"X-Content-Type-Options": "nosniff"}
_SENT = {kind: Tally(metrics.IMAGE_BYTES_SENT.labels(kind)) for kind in ("original", "variant")}


@dataclass(frozen=True)
class Wanted:
    """What a door wants sent (module docstring).

    - ``key``: the resolution is the same for everyone asking by it, so it may be remembered
      under this key (None: look it up every time);
    - ``find``: the door's lookup (blocking; raises the door's not-found or refusal);
    - ``ask``: what to send of the image found;
    - ``cache_control``: for images every guest may see (others get ``PRIVATE_CACHE_CONTROL``);
    - ``client``: renders are charged to it under the rate limit (``core/ratelimit.py``);
    - ``admit``: checks the image found against this request (a signed link's signature),
      raising the door's refusal; run on every request, remembered resolution or not.
    """

    key: Hashable | None
    find: Callable[[], ImageRecord]
    ask: Callable[[ImageRecord], Ask]
    cache_control: str = DEFAULT_CACHE_CONTROL
    vary: str | None = None
    client: str | None = None  # who pays for a render (an anonymous caller's address; None: no one)
    admit: Callable[[ImageRecord], None] | None = None


@dataclass(frozen=True)
class Prepared:
    """An image resolved and its plan made: everything known before any storage access."""

    image: ImageRecord
    plan: Plan
    headers: SentHeaders  # shared between requests: copy to change
    client: str | None = None


async def answer(request: Request, rt: Runtime, wanted: Wanted) -> Response:
    """The response to ``request`` for ``wanted``; memory first, worker threads when needed."""
    prepared = prepared_from_memory(rt, wanted)
    if prepared is None:
        prepared = await run_in_threadpool(prepare, rt, wanted)
    conditions = Conditions.of(request.headers)
    early = answer_from_memory(rt, prepared, conditions)
    if early is not None:
        return early
    return await run_in_threadpool(send, rt, prepared, conditions)


def answer_blocking(rt: Runtime, wanted: Wanted, request_headers: Headers) -> Response:
    """``answer`` for a door whose operations already run in a worker thread."""
    prepared = prepare(rt, wanted)
    conditions = Conditions.of(request_headers)
    early = answer_from_memory(rt, prepared, conditions)
    return early if early is not None else send(rt, prepared, conditions)


def prepare(rt: Runtime, wanted: Wanted) -> Prepared:
    image = delivery.resolve(rt, wanted.key, wanted.find)
    if wanted.admit is not None:
        wanted.admit(image)
    plan = delivery.plan(rt, image.blob, wanted.ask(image))
    return Prepared(image, plan, _headers(image, plan, wanted), wanted.client)


def answer_from_memory(rt: Runtime, prepared: Prepared, conditions: Conditions) -> BytesSent | None:
    """A 304 when the client's copy is current, else the bytes when memory holds them; None
    when the store must be read."""
    if _not_modified(conditions, prepared.plan.etag, prepared.image):
        return BytesSent(b"", prepared.headers.encoded(), status=304)
    if conditions.range is not None:
        return None
    hot = rt.hot.get(prepared.plan.etag)
    if hot is None:
        return None
    _SENT[_rendition(prepared.plan)].inc(len(hot.data))
    if hot.variant_id is not None:
        rt.evictor.note_use(hot.variant_id)  # the stored copy is in use all the same
    return BytesSent(hot.data, prepared.headers.encoded(hot.media_type, len(hot.data)))


def send(rt: Runtime, prepared: Prepared, conditions: Conditions) -> Response:
    """The bytes of ``prepared`` from the store (blocking: it may render them first). A stored
    copy found gone (the variant cache evicted it meanwhile) is looked for, or made, once more."""
    try:
        return _send_found(rt, prepared, conditions)
    except NotFound:
        delivery.forget(rt, prepared.plan)
        return _send_found(rt, prepared, conditions)


def _send_found(rt: Runtime, prepared: Prepared, conditions: Conditions) -> Response:
    plan = prepared.plan
    found = delivery.fetch(rt, plan, client=prepared.client)
    media_type = found.format.mime_type
    if conditions.range is None and rt.hot.wanted(plan.etag, found.byte_size):
        data = b"".join(rt.store.open_range(found.storage_key, 0, None))
        rt.hot.keep(plan.etag, media_type, data, found.variant_id)
        _SENT[_rendition(plan)].inc(len(data))
        return Response(data, media_type=media_type, headers=prepared.headers)
    return _from_store(rt, prepared, found, conditions)


def _from_store(
    rt: Runtime, prepared: Prepared, found: Delivery, conditions: Conditions
) -> Response:
    settings = rt.settings
    headers = {**prepared.headers, "Content-Type": found.format.mime_type}
    local = rt.store.local_path(found.storage_key)
    if local is not None and settings.accel_redirect:
        accel = {**headers, "X-Accel-Redirect": settings.accel_redirect + found.storage_key}
        return Response(media_type=headers["Content-Type"], headers=accel)
    if local is not None:
        opened = LocalFile.open(local)
        if opened is None:
            raise NotFound("blob", found.storage_key)
        _SENT[_rendition(prepared.plan)].inc(opened.size)
        return FileSent(opened, headers, conditions)
    redirect = _presigned(rt, found)
    if redirect is not None:
        headers = {**headers, **_redirect_headers(rt)}
        return RedirectResponse(redirect, status_code=307, headers=headers)
    chunks = rt.store.open_range(found.storage_key, 0, None)
    return StreamingResponse(
        _counted(chunks, _rendition(prepared.plan)),
        media_type=headers["Content-Type"],
        headers={**headers, "Content-Length": str(found.byte_size)},
    )


def _headers(image: ImageRecord, plan: Plan, wanted: Wanted) -> SentHeaders:
    public = signing.guest_visible(image)
    cache_control = wanted.cache_control if public else PRIVATE_CACHE_CONTROL
    return _validators(plan.etag, image.updated_at.timestamp(), cache_control, wanted.vary)


@lru_cache(maxsize=65_536)  # hot images are asked for again and again: format their dates once
def _validators(etag: str, modified: float, cache_control: str, vary: str | None) -> SentHeaders:
    headers = {
        "ETag": etag,
        "Last-Modified": formatdate(modified, usegmt=True),
        "Cache-Control": cache_control,
        **NOSNIFF,
    }
    if vary:
        headers["Vary"] = vary
    return SentHeaders(headers)


class BytesSent(Response):
    """Bytes from memory (or none, for a 304) with headers encoded once per image and size (the
    hot path)."""

    def __init__(
        self, body: bytes, raw_headers: list[tuple[bytes, bytes]], *, status: int = 200
    ) -> None:
        self.status_code = status
        self.body = body
        self.background = None
        self.raw_headers = list(raw_headers)  # a copy: middleware appends to what is sent


class SentHeaders(Mapping[str, str]):
    """The headers sent with one image under one plan and cache policy: made once and shared
    by every request for it (``_validators``), so each encoded form is made once too."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = dict(headers)
        self._encoded: dict[tuple[str, int] | None, list[tuple[bytes, bytes]]] = {}

    def __getitem__(self, name: str) -> str:
        return self._headers[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def encoded(self, media_type: str | None = None, length: int = 0) -> list[tuple[bytes, bytes]]:
        """As ASGI sends them, with a body of ``media_type`` and ``length`` (None: no body)."""
        key = None if media_type is None else (media_type, length)
        found = self._encoded.get(key)
        if found is None:
            body = (
                {}
                if media_type is None
                else {"Content-Type": media_type, "Content-Length": str(length)}
            )
            found = [
                (name.lower().encode(), value.encode("latin-1"))
                for name, value in {**self._headers, **body}.items()
            ]
            if len(self._encoded) < _ENCODINGS_KEPT:
                self._encoded[key] = found
        return found


_ENCODINGS_KEPT = 8  # per image: its media types (Accept) and the 304


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of ``If-None-Match`` against our strong ``etag``."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        tag = candidate.strip().removeprefix("W/")
        # Some clients send the bare value without quotes; accept it as the same tag.
        if tag == ours or f'"{tag}"' == ours:
            return True
    return False


def _not_modified(conditions: Conditions, etag: str, image: ImageRecord) -> bool:
    """RFC 9110 §13.2.2: ``If-None-Match`` decides when present, else ``If-Modified-Since``."""
    if conditions.if_none_match is not None:
        return etag_matches(conditions.if_none_match, etag)
    since = conditions.if_modified_since
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored (RFC 9110 §13.1.3)
    return when.tzinfo is not None and int(image.updated_at.timestamp()) <= when.timestamp()


def _rendition(plan: Plan) -> str:
    return "original" if plan.spec is None else "variant"


def _presigned(rt: Runtime, found: Delivery) -> str | None:
    seconds = rt.settings.storage_redirect_seconds
    return rt.store.presigned_url(found.storage_key, seconds) if seconds else None


def _redirect_headers(rt: Runtime) -> dict[str, str]:
    # The URL works for a short while only: a cache may keep the redirect for less than that.
    # The ETag stays: it names the bytes pointed at, so a client may still revalidate here.
    keep = max(0, rt.settings.storage_redirect_seconds // 2)
    return {"Cache-Control": f"private, max-age={keep}", "Content-Type": "text/plain"}


def _counted(chunks: Iterator[bytes], rendition: str) -> Iterator[bytes]:
    """``chunks``, counted in ``darkroom_image_bytes_sent_total`` as they are sent."""
    sent = metrics.IMAGE_BYTES_SENT.labels(rendition)
    try:
        for chunk in chunks:
            sent.inc(len(chunk))
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # a client gone mid-stream: the store's reader lets go of its file now


def prepared_from_memory(rt: Runtime, wanted: Wanted) -> Prepared | None:
    """``prepare`` from what memory holds, or None when the database or store is needed;
    ``wanted.admit``'s refusal propagates."""
    image = delivery.remembered_image(rt, wanted.key)
    if image is None:
        return None
    if wanted.admit is not None:
        wanted.admit(image)  # pure: what it needs is in the remembered record
    plan = delivery.remembered_plan(rt, image.blob, wanted.ask(image))
    if plan is None:
        return None
    return Prepared(image, plan, _headers(image, plan, wanted), wanted.client)
