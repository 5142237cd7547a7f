"""``/v1`` JSON shapes (docs/api.md): Me, Space, Album, Image and its detail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from darkroom.api.vocabulary import SPACE_NAMES
from darkroom.core.access import GUESTS, PERSONAL_SPACE
from darkroom.core.catalog import AlbumView, Found, SpaceView
from darkroom.core.records import ImageRecord, PrincipalRecord

Json = dict[str, Any]
Links = Callable[[ImageRecord], str]
"""The query a content URL of an image carries (a signed link's ``expires=…&signature=…``)."""


def unsigned(_image: ImageRecord) -> str:
    return ""


SRCSET_WIDTHS = (200, 400, 800, 1600)
THUMBNAIL_WIDTH = 400
MY_SPACE_NAME = "My photos"
GUESTS_SPACE_NAME = "Guest uploads"


def time(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def me(user: PrincipalRecord) -> Json:
    return {
        "id": user.id,
        "username": user.name,
        "display_name": user.display_name,
        "role": user.role,
    }


def space(view: SpaceView) -> Json:
    return {
        "id": view.ref,
        "kind": view.kind,
        "name": space_name(view),
        "role": view.role.value,
        "parent": view.parent,
    }


def space_name(view: SpaceView) -> str:
    """The space's stored name, else a readable one made of its kind and id."""
    if view.mine:
        return MY_SPACE_NAME
    if view.name:
        return view.name
    if view.kind == PERSONAL_SPACE:
        if view.external_id == GUESTS:
            return GUESTS_SPACE_NAME
        return f"{SPACE_NAMES[PERSONAL_SPACE]} {view.owner_name or view.external_id}"
    return f"{SPACE_NAMES.get(view.kind, view.kind)} {view.external_id}"


def album(view: AlbumView, links: Links, space_ref: str | None = None) -> Json:
    record = view.album
    return {
        "id": record.id,
        "space": space_ref or view.space,
        "name": record.name,
        "kind": record.kind,
        "ordered": not record.policy.single_slot,
        "dedupe": record.policy.dedupe,
        "private": record.private,
        "image_count": view.count,
        "cover": image(view.cover, view.space, links) if view.cover is not None else None,
    }


def image(record: ImageRecord, space_ref: str, links: Links = unsigned) -> Json:
    base = f"/v1/images/{record.id}/content"
    signed = links(record)

    def sized(width: int | None) -> str:
        query = "&".join(part for part in (signed, f"width={width}" if width else "") if part)
        return f"{base}?{query}" if query else base

    widths = [w for w in SRCSET_WIDTHS if w < record.width] or [SRCSET_WIDTHS[0]]
    return {
        "id": record.id,
        "space": space_ref,
        "album": {"id": record.album.id, "name": record.album.name},
        "name": record.name,
        "description": record.description,
        "alt_text": record.alt_text,
        "starred": record.starred,
        "private": record.private,
        "trashed": record.deleted_at is not None,
        "position": record.position,
        "format": record.blob.format.value,
        "width": record.width,
        "height": record.height,
        "bytes": record.blob.byte_size,
        "uploaded_at": time(record.created_at),
        "updated_at": time(record.updated_at),
        "taken_at": time(record.taken_at),
        "placeholder": placeholder(record),
        "urls": {
            "original": sized(None),
            "thumbnail": sized(THUMBNAIL_WIDTH),
            "srcset": [{"width": w, "url": sized(w)} for w in widths],
        },
    }


def placeholder(record: ImageRecord) -> str | None:
    """The image's ThumbHash (base64), where its blob has one (the EXIF/placeholder work adds
    it to blobs; until then, none)."""
    found = getattr(record.blob, "placeholder", None)
    return found if isinstance(found, str) else None


def listed(found: Found, links: Links) -> Json:
    return image(found.image, found.space, links)


def detail(found: Found, links: Links) -> Json:
    record = found.image
    body = image(record, found.space, links)
    body["exif"] = exif(record)
    seen = found.sees_gps and record.gps_lat is not None and record.gps_long is not None
    body["gps"] = {"lat": record.gps_lat, "lon": record.gps_long} if seen else None
    return body


def exif(record: ImageRecord) -> Json | None:
    """What the file's header said: the date taken, and the camera, lens and exposure where
    blobs carry them (the EXIF reader work adds them; until then they are null)."""
    blob = record.blob
    facts: Json = {"taken_at": time(blob.taken_at)}
    facts.update({name: getattr(blob, name, None) for name in EXIF_FACTS})
    return facts if any(value is not None for value in facts.values()) else None


EXIF_FACTS = (
    "camera_make",
    "camera_model",
    "lens",
    "exposure_time",  # seconds
    "f_number",
    "iso",
    "focal_length",  # millimetres
)
