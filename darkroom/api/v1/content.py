"""What ``GET /v1/images/{id}/content`` asks the delivery pipeline for (``core.renditions.Ask``).

No size and no format: the stored file as it was uploaded (scrubbed of its location for anyone
but the uploader). A size or a format: a variant; without a format, WebP or AVIF when the
``Accept`` header names one of them (WebP first: it encodes far faster), else what the encoder
makes of the stored format.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import QueryParams

from darkroom.api.common.negotiate import preferred_format
from darkroom.api.common.params import parse_int
from darkroom.api.v1.auth import Caller
from darkroom.core.records import ImageRecord
from darkroom.core.renditions import Ask
from darkroom.errors import Invalid
from darkroom.media import ImageFormat

MAX_SIDE = 8192  # a bigger box is the original's size anyway for any photo worth a variant
OUTPUT_FORMATS = frozenset({ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP, ImageFormat.AVIF})
NEGOTIATED = (ImageFormat.WEBP, ImageFormat.AVIF)


@dataclass(frozen=True)
class ContentAsk:
    """The box and format asked for, and who asks (for ``scrub``)."""

    width: int | None
    height: int | None
    format: ImageFormat | None
    negotiated: ImageFormat | None
    principal_id: int | None

    @property
    def original(self) -> bool:
        return self.width is None and self.height is None and self.format is None

    @property
    def vary(self) -> str | None:
        return None if self.original or self.format is not None else "Accept"

    def for_image(self, image: ImageRecord) -> Ask:
        scrub = self.principal_id is None or self.principal_id != image.uploader_id
        if self.original:
            return Ask(scrub=scrub)
        wanted = self.format or self.negotiated
        return Ask(
            self.width,
            self.height,
            formats=frozenset({self.format}) if self.format is not None else None,
            preferred=wanted,
            scrub=scrub,
        )


def content_ask(query: QueryParams, accept: str | None, caller: Caller | None) -> ContentAsk:
    width, height = _side(query, "width"), _side(query, "height")
    fmt = _format(query.get("format"))
    return ContentAsk(
        width=width,
        height=height,
        format=fmt,
        negotiated=negotiated(accept),
        principal_id=caller.actor.principal_id if caller is not None else None,
    )


def negotiated(accept: str | None) -> ImageFormat | None:
    """WebP or AVIF when ``accept`` names it (a wildcard does not count), else None."""
    if not accept:
        return None
    named = [f for f in NEGOTIATED if f.mime_type in accept.lower()]
    if not named:
        return None
    chosen = preferred_format(accept, tuple(named), named[0])
    return chosen


def _side(query: QueryParams, name: str) -> int | None:
    text = query.get(name)
    if not text:
        return None
    return parse_int(text, field=name, minimum=1, maximum=MAX_SIDE)


def _format(text: str | None) -> ImageFormat | None:
    if not text:
        return None
    try:
        fmt = ImageFormat(text.strip().lower())
    except ValueError:
        fmt = None
    if fmt is None or fmt not in OUTPUT_FORMATS:
        names = ", ".join(sorted(f.value for f in OUTPUT_FORMATS))
        raise Invalid(f"format must be one of {names}", field="format")
    return fmt
