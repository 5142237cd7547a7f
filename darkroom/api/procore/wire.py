"""The JSON shapes of Procore's Photos API (spec §3, §4.2, §5, §6, §7).

Types are strict on this wire: ids and sizes are JSON integers, flags are booleans, GPS values
are strings, and instants are ISO-8601 UTC with ``Z``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from darkroom.api.procore.params import View
from darkroom.api.vocabulary import PROCORE_CATEGORY
from darkroom.core.records import (
    AlbumRecord,
    AlbumSummary,
    ImageRecord,
    LocationRecord,
    PrincipalRecord,
    TradeRecord,
    UploadRecord,
)
from darkroom.core.uploads import UploadStatus

API = "/rest/v1.0"

DEFAULT_FIELDS = (
    "id",
    "url",
    "size",
    "filename",
    "description",
    "thumbnail_url",
    "taken_at",
    "created_at",
    "updated_at",
    "location",
    "image_category_name",
    "image_category_id",
    "image_category_private",
    "permanently_deleted",
    "private",
    "starred",
    "width",
    "height",
    "origin_id",
    "daily_log_header_id",
    "gps_lat",
    "gps_long",
    "uploader",
)
VIEW_EXTRAS: dict[View, tuple[str, ...]] = {
    View.NORMAL: ("links", "comments_count", "trades"),
    View.ANDROID: ("trades", "comments"),
    View.MOBILE: ("log_date", "trades", "comments"),
    View.MOBILE_FEED: ("comments",),
    View.PROSTORE_FILE: ("images",),
}


def timestamp(instant: datetime | None) -> str | None:
    """``2024-01-02T10:20:30Z`` (whole seconds, UTC), or None."""
    if instant is None:
        return None
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _no_signature(_image: ImageRecord) -> str:
    return ""


# A link's query for an image: "" (stable URL), or its signature and expiry (api/common/signed).
LinkQuery = Callable[[ImageRecord], str]


def original_url(base_url: str, image: ImageRecord, link: LinkQuery = _no_signature) -> str:
    """The capability URL of the original: its unguessable public id is the credential, with a
    signature and an expiry when the image is private (``link``)."""
    return f"{base_url}{API}/image_files/{image.public_id}{link(image)}"


def thumbnail_url(base_url: str, image: ImageRecord, link: LinkQuery = _no_signature) -> str:
    return f"{base_url}{API}/image_files/{image.public_id}/thumbnail{link(image)}"


@dataclass(frozen=True)
class ImageContext:
    """What image JSON needs beyond the image records: where it is served, in which project,
    and how links to private images are signed."""

    base_url: str
    project_id: int
    link: LinkQuery = _no_signature


def image(item: ImageRecord, context: ImageContext, view: View = View.NORMAL) -> dict[str, Any]:
    """One image in ``view``'s field set (not for ``ids_only``, which is a bare id)."""
    full = _image_fields(item, context)
    return {key: full[key] for key in (*DEFAULT_FIELDS, *VIEW_EXTRAS[view])}


def images(items: Iterable[ImageRecord], context: ImageContext, view: View) -> list[Any]:
    if view is View.IDS_ONLY:
        return [item.id for item in items]
    return [image(item, context, view) for item in items]


def _image_fields(item: ImageRecord, context: ImageContext) -> dict[str, Any]:
    album = _category(item.album)
    extras = item.extras
    return {
        "id": item.id,
        "url": original_url(context.base_url, item, context.link),
        "size": int(item.blob.byte_size),
        "filename": item.name or item.key,
        "description": item.description,
        "thumbnail_url": thumbnail_url(context.base_url, item, context.link),
        "taken_at": timestamp(item.taken_at),
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "location": None if item.location is None else image_location(item.location),
        "image_category_name": album.name if album else None,
        "image_category_id": album.id if album else None,
        "image_category_private": bool(album.private) if album else False,
        "permanently_deleted": False,
        "private": bool(item.private),
        "starred": bool(item.starred),
        "width": item.width,
        "height": item.height,
        "origin_id": _int_or_none(extras.get("origin_id")),
        "daily_log_header_id": _int_or_none(extras.get("daily_log_header_id")),
        "gps_lat": _coordinate(item.gps_lat),
        "gps_long": _coordinate(item.gps_long),
        "uploader": _uploader(item.uploader),
        "links": _links(item.id, context.project_id),
        "comments_count": 0,
        "trades": [trade(t) for t in sorted(item.trades, key=lambda t: t.id)],
        "comments": [],
        "log_date": item.log_date.isoformat() if item.log_date else None,
        "images": [_rendition(item, context)],
    }


def _category(album: AlbumRecord) -> AlbumRecord | None:
    """The image's category; images in the default "Unclassified" album have none."""
    return album if album.kind == PROCORE_CATEGORY.kind else None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _coordinate(value: float | None) -> str | None:
    return None if value is None else repr(float(value))


def _uploader(principal: PrincipalRecord | None) -> dict[str, Any] | None:
    if principal is None:
        return None  # the uploader's account was deleted
    return {
        "id": principal.id,
        "login": principal.email or principal.name,
        "name": principal.display_name or principal.name,
    }


def _links(image_id: int, project_id: int) -> dict[str, str]:
    own = f"{API}/images/{image_id}?project_id={project_id}"
    return {
        "self": own,
        "update": own,
        "delete": own,
        "permanentlyDelete": f"{own}&permanent=true",
        "retrieve": f"{API}/images/{image_id}/retrieve?project_id={project_id}",
    }


def _rendition(item: ImageRecord, context: ImageContext) -> dict[str, Any]:
    """The ``prostore_file`` view's ``images`` entry: the file's renditions (here, one)."""
    return {
        "id": item.id,
        "url": original_url(context.base_url, item, context.link),
        "thumbnail_url": thumbnail_url(context.base_url, item, context.link),
        "width": item.width,
        "height": item.height,
        "size": int(item.blob.byte_size),
    }


def image_location(location: LocationRecord) -> dict[str, Any]:
    """``image.location`` (spec §3.2)."""
    return {
        "id": location.id,
        "name": location.path,
        "node_name": location.node_name,
        "parent_id": location.parent_id,
        "created_at": timestamp(location.created_at),
        "updated_at": timestamp(location.updated_at),
    }


def location(item: LocationRecord) -> dict[str, Any]:
    """A location of the location endpoints (spec §6): the image shape plus ``code``."""
    return {**image_location(item), "code": item.code}


def trade(item: TradeRecord) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "active": bool(item.active),
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
    }


def category(entry: AlbumSummary, context: ImageContext) -> dict[str, Any]:
    """A list item of ``GET /image_categories`` (``ImageCategory``), its cover as a thumbnail."""
    album, cover = entry.album, entry.cover
    own = f"{API}/image_categories/{album.id}?project_id={context.project_id}"
    return {
        "id": album.id,
        "name": album.name,
        "private": bool(album.private),
        "position": album.position,
        "count": entry.count,
        "cover_photo": None
        if cover is None
        else thumbnail_url(context.base_url, cover, context.link),
        "created_at": timestamp(album.created_at),
        "updated_at": timestamp(album.updated_at),
        "links": {"show": own, "update": own, "delete": own},
    }


def category_detail(entry: AlbumSummary) -> dict[str, Any]:
    """Create, show and update of an image category (``ImageCategoryDetail``)."""
    album = entry.album
    return {
        "id": album.id,
        "name": album.name,
        "position": album.position,
        "album_cover_id": album.cover_image_id,
        "created_at": timestamp(album.created_at),
        "updated_at": timestamp(album.updated_at),
        "private": bool(album.private),
        "count": entry.count,
    }


def upload(
    item: UploadRecord, storage_url: str, fields: Mapping[str, str] | None
) -> dict[str, Any]:
    """A non-segmented upload (spec §4.2): never a ``response_filename``, a valid ``status``."""
    body: dict[str, Any] = {
        "uuid": item.uuid,
        "url": storage_url,
        "status": "non_segmented" if item.status == UploadStatus.PENDING else "complete",
        "created_at": timestamp(item.created_at),
        "expires_at": timestamp(item.expires_at),
    }
    if fields is not None:
        body["fields"] = dict(fields)
    return body


def segmented_upload(
    item: UploadRecord, declared: list[dict[str, Any]], base_url: str, token: str | None
) -> dict[str, Any]:
    """A segmented upload: ``ready`` with one PUT URL and its headers per part, or ``complete``."""
    body: dict[str, Any] = {
        "uuid": item.uuid,
        "status": "ready" if item.status == UploadStatus.PENDING else "complete",
        "created_at": timestamp(item.created_at),
        "expires_at": timestamp(item.expires_at),
        "segments": [
            _segment(item.uuid, n, part, base_url, token) for n, part in enumerate(declared)
        ],
    }
    return body


def _segment(
    upload_uuid: str, index: int, part: dict[str, Any], base_url: str, token: str | None
) -> dict[str, Any]:
    headers = {"x-amz-content-sha256": part["sha256"], "content-length": str(part["size"])}
    if part.get("md5"):
        headers["content-md5"] = base64.b64encode(bytes.fromhex(part["md5"])).decode()
    segment: dict[str, Any] = {"size": part["size"], "sha256": part["sha256"], "headers": headers}
    if part.get("md5"):
        segment["md5"] = part["md5"]
    if token is not None:
        path = f"{API}/storage/uploads/{upload_uuid}/segments/{index}"
        segment["url"] = f"{base_url}{path}?{urlencode({'token': token})}"
    return segment
