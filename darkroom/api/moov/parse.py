"""Moov requests into plain values: multipart parts, metadata JSON, paging and public sizes.

Parsers raise ``Invalid`` with the field the error body must name (see ``errors``), so a bad
alt text is a 422 in the shape of its operation and anything else malformed is a 400.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO

from starlette.datastructures import FormData, Headers, UploadFile
from starlette.requests import Request

from darkroom.api.common import json_body
from darkroom.api.common.forms import read_form
from darkroom.api.common.json_body import BadJSON
from darkroom.api.moov.errors import BODY_ALT_TEXT_FIELD, IMAGE_FIELD, PART_ALT_TEXT_FIELD
from darkroom.core.bounds import check_text
from darkroom.core.unset import UNSET, Unset
from darkroom.errors import Invalid, NotFound, TooLarge

ALT_TEXT_MAX = 1000  # characters (M6)
COUNT_MAX = 200  # list page size: default and maximum (M1)
SKIP_MAX = 2**31 - 1  # past any account's images; keeps OFFSET inside every database's integer
SIDE_MAX = 2048  # public image sides are clamped to this (§3)
DEFAULT_SIZE = (400, 400)
JSON_MAX_BYTES = 64 * 1024  # a metadata part or body; 1000 characters need far less
ID_MAX = 128  # longer path ids name nothing darkroom stores

_INTEGER = re.compile(r"[+-]?\d{1,18}")
_SIZE = re.compile(r"(\d{1,9})[xX](\d{1,9})")

AltTextChange = str | Unset | None  # UNSET keeps the alt text, None clears it


@dataclass(frozen=True)
class ImageParts:
    """What an upload or update form carries: the file (if any) and the alt-text change."""

    image: BinaryIO | None
    alt_text: AltTextChange


def path_id(value: str, entity: str) -> str:
    """A path id as given; one that could name nothing (too long, control characters) is 404."""
    if not value or len(value) > ID_MAX or not value.isprintable():
        raise NotFound(entity, value[:ID_MAX])
    return value


@asynccontextmanager
async def multipart(request: Request) -> AsyncIterator[FormData]:
    """The request's form, streamed by Starlette (file parts spool to disk); files closed after.

    A request without a body (legacy PATCH's "no change") is an empty form; a body that is not
    multipart is refused rather than ignored.
    """
    if not _has_body(request.headers):
        yield FormData()
        return
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise Invalid("the request body must be multipart/form-data")
    form = await read_form(request, max_files=2, max_fields=8, max_part_bytes=JSON_MAX_BYTES)
    try:
        yield form
    finally:
        await form.close()


def _has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "chunked" in headers.get("transfer-encoding", "").lower()


def image_parts(form: FormData, *, image_required: bool) -> ImageParts:
    """The ``image`` file part and the ``metadata`` JSON part of an upload or update form."""
    images = form.getlist("image")
    if len(images) > 1:
        raise Invalid("send one image part", field=IMAGE_FIELD)
    image = images[0] if images else None
    if image is None and image_required:
        raise Invalid("an image part is required", field=IMAGE_FIELD)
    if image is not None and not isinstance(image, UploadFile):
        # Starlette keeps parts without a filename as text, which would mangle binary data.
        raise Invalid("the image part must be a file (give it a filename)", field=IMAGE_FIELD)
    return ImageParts(
        image=image.file if image is not None else None,
        alt_text=_metadata_part(form.getlist("metadata")),
    )


def _metadata_part(parts: list[UploadFile | str]) -> AltTextChange:
    """Absent or empty keeps the alt text; ``null`` and ``{}`` clear it; ``{"altText"}`` sets it."""
    if len(parts) > 1:
        raise Invalid("send at most one metadata part")
    if not parts:
        return UNSET
    part = parts[0]
    raw = part.file.read(JSON_MAX_BYTES + 1) if isinstance(part, UploadFile) else part
    if len(raw) > JSON_MAX_BYTES:
        raise Invalid("the metadata part is too large")
    if not raw.strip():
        return UNSET
    document = _json(raw, "the metadata part must be JSON")
    if document is None:
        return None
    if not isinstance(document, dict):
        raise Invalid("the metadata part must be a JSON object or null")
    return alt_text(document.get("altText"), field=PART_ALT_TEXT_FIELD)


async def metadata_body(request: Request) -> str | None:
    """The alt text of an update_metadata body: flat ``{"altText"}`` or ``{"metadata": {...}}``.

    The body replaces the metadata, so ``{}`` (and ``null`` alt text) clears the alt text.
    """
    document = _json(await _bounded_body(request), "the body must be a JSON object")
    if not isinstance(document, dict):
        raise Invalid("the body must be a JSON object")
    if "altText" not in document and "metadata" in document:
        document = document["metadata"]  # the wrapped form of Moov's curl sample
        if document is None:
            return None
        if not isinstance(document, dict):
            raise Invalid("metadata must be a JSON object or null")
    return alt_text(document.get("altText"), field=BODY_ALT_TEXT_FIELD)


async def _bounded_body(request: Request) -> bytes:
    try:
        return await json_body.read_bounded(request, max_bytes=JSON_MAX_BYTES)
    except TooLarge as error:
        raise Invalid(error.message) from None  # a malformed request here: 400, not 422


def _json(raw: str | bytes, message: str) -> Any:
    """Bounded (api/common/json_body.py): too deep is malformed; integers past 64 bits too."""
    try:
        return json_body.loads(raw)
    except BadJSON:
        raise Invalid(message) from None


def alt_text(value: object, *, field: str) -> str | None:
    """A checked alt text (M6): a string of at most ``ALT_TEXT_MAX`` characters, or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("altText must be a string", field=field)
    # Lines are allowed; NUL (which PostgreSQL text cannot hold) and other controls are not.
    return check_text(value, field=field, max_chars=ALT_TEXT_MAX, multiline=True, name="altText")


def page(query: Mapping[str, str]) -> tuple[int, int]:
    """``skip`` and ``count`` of a list (M1): count defaults to and is clamped at ``COUNT_MAX``."""
    skip = _non_negative(query.get("skip"), "skip")
    count = _non_negative(query.get("count"), "count")
    return min(skip or 0, SKIP_MAX), min(COUNT_MAX if count is None else count, COUNT_MAX)


def _non_negative(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    if not _INTEGER.fullmatch(text):
        raise Invalid(f"{name} must be an integer", field=name)
    value = int(text)
    if value < 0:
        raise Invalid(f"{name} must not be negative", field=name)
    return value


def size(text: str | None) -> tuple[int, int]:
    """``WxH`` of a public image (§3, M7): 0 is proportional, sides clamped to ``SIDE_MAX``."""
    if text is None:
        return DEFAULT_SIZE
    match = _SIZE.fullmatch(text)
    if match is None:
        raise Invalid("invalid size", field="size")
    width, height = (min(int(side), SIDE_MAX) for side in match.groups())
    if width == 0 and height == 0:
        raise Invalid("invalid size", field="size")
    return width, height
