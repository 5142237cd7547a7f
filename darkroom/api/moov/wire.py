"""Moov's JSON shapes, from core's image records: ``ImageMetadata`` and the timestamps in it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse

from darkroom.core.records import ImageRecord

Json = dict[str, Any]


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``: ``2019-08-24T14:15:22.123456Z`` (fraction only if non-zero)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def public_link(base_url: str, public_id: str) -> str:
    return f"{base_url}/images/{public_id}"


def image_metadata(image: ImageRecord, base_url: str) -> Json:
    """An ``ImageMetadata`` object, as Moov's schema describes it: ``altText`` and
    ``disabledOn`` are optional and not nullable, so they are left out when unset (never
    ``null``, which a client generated from the schema may refuse). ``disabledOn`` is always
    unset: delete is permanent."""
    body: Json = {
        "imageID": image.uuid,
        "publicID": image.public_id,
        "link": public_link(base_url, image.public_id),
        "createdOn": timestamp(image.created_at),
        "updatedOn": timestamp(image.updated_at),
    }
    if image.alt_text is not None:
        body["altText"] = image.alt_text
    return body


def metadata_response(image: ImageRecord, base_url: str, *, status: int = 200) -> JSONResponse:
    return JSONResponse(image_metadata(image, base_url), status_code=status)


def metadata_list_response(found: Iterable[ImageRecord], base_url: str) -> JSONResponse:
    return JSONResponse([image_metadata(image, base_url) for image in found])
