"""Advertisement images: ops 2 (list-data), 7 (list), 10 (reorder), 12 (upload)."""

from __future__ import annotations

from starlette.responses import Response

from darkroom.api import vocabulary
from darkroom.api.cyclos import _album, refs
from darkroom.api.cyclos.call import Call
from darkroom.core import images
from darkroom.core.access import Scope
from darkroom.core.named_albums import NamedAlbum

KIND = vocabulary.CYCLOS_AD


def _ad(call: Call) -> tuple[NamedAlbum, Scope]:
    """The ad's album and a scope on its owner's space."""
    ad = refs.ad(call.rt, call.caller.actor, call.path["ad"])
    return ad, _album.enter(call, ad.owner.id, KIND)


def list_images(call: Call) -> Response:
    ad, scope = _ad(call)
    return _album.listing(call, images.list_album(call.rt, scope, ad.album.id))


def list_data(call: Call) -> Response:
    ad, scope = _ad(call)
    found = images.list_album(call.rt, scope, ad.album.id)
    return _album.list_data(call, found, scope, ad.album.policy.max_images)


def upload(call: Call) -> Response:
    name = call.image_name()
    ad, scope = _ad(call)
    return _album.upload(call, scope, ad.album.id, KIND, name)


def reorder(call: Call) -> Response:
    ids = call.query.ids()
    ad, scope = _ad(call)
    return _album.reorder(call, scope, ad.album.id, ids)
