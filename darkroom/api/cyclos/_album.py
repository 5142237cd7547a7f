"""What user, advertisement and contact-info operations share once they know the album."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.responses import Response

from darkroom.api.cyclos import wire
from darkroom.api.cyclos.call import Call
from darkroom.core import images, personal
from darkroom.core.access import Scope
from darkroom.core.albums import AlbumKind
from darkroom.core.images import NewImage
from darkroom.core.models import Album, Image


def listing(
    session: Session, call: Call, scope: Scope, kind: AlbumKind, external_id: str | None = None
) -> Response:
    """The album's images, as a bare JSON array (ops 7, 9)."""
    _, found = personal.images_of(session, scope, kind, external_id)
    return wire.json(wire.images(call.rt, found, call.base_url), call.query.fields())


def list_data(
    session: Session,
    call: Call,
    scope: Scope,
    kind: AlbumKind,
    external_id: str | None = None,
    *,
    can_manage: bool,
) -> Response:
    """The album's images plus what the caller may do with them (ops 2, 6)."""
    album, found = personal.images_of(session, scope, kind, external_id)
    body = wire.list_data(
        call.rt,
        found,
        call.base_url,
        can_manage=can_manage,
        max_images=personal.limit_of(kind, album),
    )
    return wire.json(body, call.query.fields())


def ingest(call: Call, scope: Scope, album: Album, name: str) -> Image:
    """Store the uploaded part as a new image of ``album`` (outside any open transaction)."""
    upload = call.image_file()
    return images.ingest(
        call.rt,
        scope,
        album,
        upload.file,
        NewImage(name=name),
        formats=wire.ACCEPTED_FORMATS,
        max_bytes=call.max_upload_bytes,
    )


def reorder(session: Session, scope: Scope, album: Album, ids: list[int]) -> Response:
    """Listed ids first, in that order; the others after them, as they were (C4)."""
    images.reorder(session, scope, album, ids)
    return Response(status_code=204)
