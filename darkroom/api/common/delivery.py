"""Sending stored image bytes over HTTP: conditional requests, validators and caching headers.

Shared by every door that serves image content (Moov public images, Cyclos content, Procore
urls), so ETag and 304 behave the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator

from starlette.datastructures import Headers
from starlette.responses import Response, StreamingResponse

from darkroom.core import metrics
from darkroom.core.variants import Delivery
from darkroom.storage import BlobStore

# Variants are immutable per (blob, spec) and their ETag changes with the bytes, so caches may keep
# them for a day and must revalidate after; originals behind capabilities the same.
DEFAULT_CACHE_CONTROL = "public, max-age=86400"


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


def send(
    store: BlobStore,
    delivery: Delivery,
    request_headers: Headers,
    *,
    cache_control: str = DEFAULT_CACHE_CONTROL,
    vary: str | None = None,
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """A 200 streaming ``delivery`` from ``store``, or a 304 when the client's copy is current."""
    headers = {"ETag": delivery.etag, "Cache-Control": cache_control, **(extra_headers or {})}
    if vary:
        headers["Vary"] = vary
    if etag_matches(request_headers.get("if-none-match"), delivery.etag):
        return Response(status_code=304, headers=headers)
    chunks: Iterator[bytes] = store.open_range(delivery.storage_key, 0, None)
    headers["Content-Length"] = str(delivery.byte_size)
    return StreamingResponse(
        _counted(chunks, delivery.rendition), media_type=delivery.format.mime_type, headers=headers
    )


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
