"""Contact-info images: ops 13 and 14, one operation under two paths. The album holds one
image, so an upload replaces the previous one (whose id then answers 404)."""

from __future__ import annotations

from starlette.responses import Response

from darkroom.api.cyclos import _album, auth, refs, wire
from darkroom.api.cyclos.call import Call
from darkroom.core import entities, personal
from darkroom.core.albums import AlbumKind


def upload(call: Call) -> Response:
    name = call.image_name()
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        album = refs.contact_info(session, call.path["id"])
        owner = entities.owner_of(session, album)
        scope = personal.scope(
            session, caller.actor, owner, AlbumKind.CYCLOS_CONTACT_INFO, manage=True
        )
    return wire.created(_album.ingest(call, scope, album, name), call.base_url)
