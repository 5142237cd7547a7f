"""Profile and custom images of a user: ops 6 (list-data), 9 (list), 11 (reorder), 16 (upload)."""

from __future__ import annotations

from enum import StrEnum

from starlette.responses import Response

from darkroom.api.cyclos import _album, auth, refs, wire
from darkroom.api.cyclos.call import Call
from darkroom.core import personal
from darkroom.core.albums import AlbumKind


class UserImageKind(StrEnum):
    PROFILE = "profile"
    CUSTOM = "custom"

    @property
    def album_kind(self) -> AlbumKind:
        if self is UserImageKind.PROFILE:
            return AlbumKind.CYCLOS_PROFILE
        return AlbumKind.CYCLOS_CUSTOM


def _kind(call: Call) -> AlbumKind:
    return (call.query.choice("kind", UserImageKind) or UserImageKind.PROFILE).album_kind


def list_images(call: Call) -> Response:
    kind = _kind(call)
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        owner = refs.user(session, caller.actor, call.path["user"])
        scope = personal.scope(session, caller.actor, owner, kind, manage=False)
        return _album.listing(session, call, scope, kind)


def list_data(call: Call) -> Response:
    kind = _kind(call)
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        owner = refs.user(session, caller.actor, call.path["user"])
        scope = personal.scope(session, caller.actor, owner, kind, manage=False)
        can_manage = personal.may_manage(caller.actor, owner.id)
        return _album.list_data(session, call, scope, kind, can_manage=can_manage)


def upload(call: Call) -> Response:
    kind = _kind(call)
    name = call.image_name()
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        owner = refs.user(session, caller.actor, call.path["user"])
        scope = personal.scope(session, caller.actor, owner, kind, manage=True)
        album = personal.album(session, scope, kind)
    return wire.created(_album.ingest(call, scope, album, name), call.base_url)


def reorder(call: Call) -> Response:
    ids = call.query.ids()
    kind = AlbumKind.CYCLOS_PROFILE
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        owner = refs.user(session, caller.actor, call.path["user"])
        scope = personal.scope(session, caller.actor, owner, kind, manage=True)
        return _album.reorder(session, scope, personal.album(session, scope, kind), ids)
