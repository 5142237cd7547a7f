"""What user, advertisement and contact-info operations share once they know the album's owner."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import Response

from darkroom.api.cyclos import wire
from darkroom.api.cyclos.call import Call
from darkroom.core import access, images
from darkroom.core.access import Scope
from darkroom.core.images import NewImage
from darkroom.core.policy import AlbumType
from darkroom.core.records import ImageRecord


def enter(call: Call, owner_id: int, album_type: AlbumType) -> Scope:
    """The owner's personal space, for the caller to view (GET) or change images of albums of
    ``album_type``: 401 for a guest, 403 for a user who may not."""
    actor = call.caller.actor
    return access.enter_personal(call.rt, actor, owner_id, album_type.policy, write=call.write)


def listing(call: Call, found: Sequence[ImageRecord]) -> Response:
    """The album's images, as a bare JSON array (ops 7, 9)."""
    return wire.json(wire.images(call.rt, found, call.base_url), call.query.fields())


def list_data(
    call: Call,
    found: Sequence[ImageRecord],
    scope: Scope,
    max_images: int | None,
) -> Response:
    """The album's images plus what the caller may do with them (ops 2, 6): those who manage
    the owner's space (``enter`` says so in the scope's role) may change them."""
    body = wire.list_data(
        call.rt,
        found,
        call.base_url,
        can_manage=scope.manages,
        max_images=max_images,
    )
    return wire.json(body, call.query.fields())


def upload(call: Call, scope: Scope, album_id: int, album_type: AlbumType, name: str) -> Response:
    """Store the uploaded part as a new image of the album (capped by its type's policy)."""
    file = call.image_file(album_type.policy)
    created = images.add(call.rt, scope, album_id, file.file, NewImage(name=name))
    return wire.created(call.rt, created, call.base_url)


def reorder(call: Call, scope: Scope, album_id: int, ids: list[int]) -> Response:
    """Listed ids first, in that order; the others after them, as they were (C4)."""
    images.put_in_order(call.rt, scope, album_id, ids)
    return Response(status_code=204)
