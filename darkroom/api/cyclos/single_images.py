"""One image by id or key: ops 17 (view), 1 (delete) and 3, 4, 5 (content)."""

from __future__ import annotations

from dataclasses import replace

from starlette.responses import Response

from darkroom.api.common import delivery
from darkroom.api.cyclos import wire
from darkroom.api.cyclos.call import Call
from darkroom.api.cyclos.errors import data_conversion
from darkroom.core import personal, renditions, temporary
from darkroom.core.records import ImageRecord
from darkroom.errors import NotFound

# Images only their owner and managers see must not sit in shared caches.
PRIVATE_CACHE_CONTROL = "private, max-age=86400"


def _viewable(call: Call, id_or_key: str) -> ImageRecord:
    """The image the caller asks for, if they may see it."""
    # View and content take no guest key: a guest's own temp image is known by address.
    identity = temporary.guest_identity(None, call.client_address)
    return personal.find_viewable(call.rt, call.caller.actor, id_or_key, guest_identity=identity)


def view(call: Call) -> Response:
    found = _viewable(call, call.path["idOrKey"])
    return wire.json(wire.image_view(call.rt, found, call.base_url), call.query.fields())


def delete(call: Call) -> Response:
    personal.delete_image(call.rt, call.caller.actor, call.path["idOrKey"])
    return Response(status_code=204)


def content(call: Call) -> Response:
    """Op 3 (``/images/content/{idOrKey}``) and op 4 (``/images/{id}/content``)."""
    return _send(call, call.path["idOrKey"])


def content_by_kind(call: Call) -> Response:
    """Op 5 (``/images/{kind}/{file}``): the kind must be the image's."""
    kind = call.path["kind"]
    if kind not in wire.ALL_IMAGE_KINDS:
        raise data_conversion("kind", kind)
    return _send(call, call.path["file"], kind=kind)


def _send(call: Call, id_or_key: str, *, kind: str | None = None) -> Response:
    width = call.query.positive_int("width")
    height = call.query.positive_int("height")
    found = _viewable(call, id_or_key)
    if kind is not None and wire.kind_of(found) != kind:
        raise NotFound("image", id_or_key)
    guest = call.caller.actor.principal_id is None  # only guests' renders are rate-limited
    ask = replace(wire.served(width, height), client=call.client_address if guest else None)
    sent = renditions.deliver(call.rt, found.blob, ask)
    public = found.album.policy.visible_to_guests
    cache = delivery.DEFAULT_CACHE_CONTROL if public else PRIVATE_CACHE_CONTROL
    return delivery.send(call.rt.store, sent, call.headers, cache_control=cache)
