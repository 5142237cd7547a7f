"""Contact-info images: ops 13 and 14, one operation under two paths. The album holds one
image, so an upload replaces the previous one (whose id then answers 404)."""

from __future__ import annotations

from starlette.responses import Response

from darkroom.api import vocabulary
from darkroom.api.cyclos import _album, refs
from darkroom.api.cyclos.call import Call

KIND = vocabulary.CYCLOS_CONTACT_INFO


def upload(call: Call) -> Response:
    name = call.image_name()
    contact_info = refs.contact_info(call.rt, call.path["id"])
    scope = _album.enter(call, contact_info.owner.id, KIND)
    return _album.upload(call, scope, contact_info.album.id, KIND, name)
