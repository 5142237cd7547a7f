"""Profile and custom images of a user: ops 6 (list-data), 9 (list), 11 (reorder), 16 (upload).

A user's albums are made on the first upload or reorder; before that, lists are empty and the
limits are their album type's."""

from __future__ import annotations

from enum import StrEnum

from starlette.responses import Response

from darkroom.api import vocabulary
from darkroom.api.cyclos import _album, refs
from darkroom.api.cyclos.call import Call
from darkroom.core import albums, images
from darkroom.core.access import Scope
from darkroom.core.policy import AlbumType
from darkroom.core.records import AlbumImages, PrincipalRecord


class UserImageKind(StrEnum):
    PROFILE = "profile"
    CUSTOM = "custom"

    @property
    def album_type(self) -> AlbumType:
        if self is UserImageKind.PROFILE:
            return vocabulary.CYCLOS_PROFILE
        return vocabulary.CYCLOS_CUSTOM


def _kind(call: Call) -> AlbumType:
    return (call.query.choice("kind", UserImageKind) or UserImageKind.PROFILE).album_type


def _owner(call: Call) -> PrincipalRecord:
    return refs.user(call.rt, call.caller.actor, call.path["user"])


def _contents(call: Call, kind: AlbumType) -> tuple[Scope, AlbumImages]:
    scope = _album.enter(call, _owner(call).id, kind)
    return scope, images.list_of_type(call.rt, scope, kind)


def list_images(call: Call) -> Response:
    _, found = _contents(call, _kind(call))
    return _album.listing(call, found.images)


def list_data(call: Call) -> Response:
    scope, found = _contents(call, _kind(call))
    return _album.list_data(call, found.images, scope, found.policy.max_images)


def upload(call: Call) -> Response:
    kind = _kind(call)
    name = call.image_name()
    scope = _album.enter(call, _owner(call).id, kind)
    album = albums.provide(call.rt, scope, kind)
    return _album.upload(call, scope, album.id, kind, name)


def reorder(call: Call) -> Response:
    ids = call.query.ids()
    kind = vocabulary.CYCLOS_PROFILE
    scope = _album.enter(call, _owner(call).id, kind)
    return _album.reorder(call, scope, albums.provide(call.rt, scope, kind).id, ids)
