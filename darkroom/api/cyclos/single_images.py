"""One image by id or key: ops 17 (view), 1 (delete) and 3, 4, 5 (content)."""

from __future__ import annotations

from dataclasses import replace

from starlette.responses import Response

from darkroom.api.common import delivery, rate_limits, signed
from darkroom.api.common.delivery import Wanted
from darkroom.api.cyclos import wire
from darkroom.api.cyclos.call import Call
from darkroom.api.cyclos.errors import data_conversion
from darkroom.core import personal, signing, temporary
from darkroom.core.records import ImageRecord
from darkroom.core.renditions import Ask
from darkroom.errors import NotFound


def _viewable(call: Call, id_or_key: str) -> ImageRecord:
    """The image the caller asks for, if they may see it (by key: anyone holding the key finds
    it; ``_admit`` decides whether they get it)."""
    # View and content take no guest key: a guest's own temp image is known by address (by id
    # only: a key is a capability, and needs no address).
    by_id = call.caller.actor.is_guest and id_or_key.isdigit()
    identity = temporary.guest_identity(None, call.client_address) if by_id else None
    return personal.find_viewable(call.rt, call.caller.actor, id_or_key, guest_identity=identity)


def _admit(call: Call, image: ImageRecord, id_or_key: str) -> None:
    """A key of an image not every guest may see (custom images, temporary images) opens it
    only with the signature of the URL darkroom handed out, or for a caller who may see it
    anyway (owner, managers; a guest their own keyless upload). A missing, expired or altered
    signature counts as none: 401 for guests, 403 for users who may not see the image."""
    if id_or_key.isdigit() or signing.guest_visible(image):
        return  # by id, find_viewable has checked the caller
    given = {name: call.query.one(name) or "" for name in (signed.EXPIRES, signed.SIGNATURE)}
    if signed.signed(call.rt, image, given):
        return
    actor = call.caller.actor
    identity = temporary.guest_identity(None, call.client_address) if actor.is_guest else None
    personal.check_viewable(call.rt, actor, image, guest_identity=identity)


def view(call: Call) -> Response:
    found = _viewable(call, call.path["idOrKey"])
    _admit(call, found, call.path["idOrKey"])
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

    def find() -> ImageRecord:
        found = _viewable(call, id_or_key)
        if kind is not None and wire.kind_of(found) != kind:
            raise NotFound("image", id_or_key)
        return found

    def ask(image: ImageRecord) -> Ask:
        # Only the uploader gets the file with its location metadata.
        theirs = call.caller.actor.principal_id is not None and (
            call.caller.actor.principal_id == image.uploader_id
        )
        return replace(wire.served(width, height), scrub=not theirs)

    # A key is a capability, the same for whoever asks; an id is checked against the caller.
    key = None if id_or_key.isdigit() else ("cyclos", kind, id_or_key)
    guest = call.caller.actor.principal_id is None  # only guests' renders are rate-limited
    client = (call.client_address or rate_limits.UNKNOWN_CLIENT) if guest else None
    wanted = Wanted(
        key=key,
        find=find,
        ask=ask,
        client=client,
        admit=lambda image: _admit(call, image, id_or_key),
    )
    return delivery.answer_blocking(call.rt, wanted, call.headers)
