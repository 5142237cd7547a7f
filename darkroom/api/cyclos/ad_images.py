"""Advertisement images: ops 2 (list-data), 7 (list), 10 (reorder), 12 (upload)."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.responses import Response

from darkroom.api.cyclos import _album, auth, refs, wire
from darkroom.api.cyclos.call import Call
from darkroom.core import entities, personal
from darkroom.core.access import Actor, Scope
from darkroom.core.albums import AlbumKind
from darkroom.core.models import Album

KIND = AlbumKind.CYCLOS_AD


def _ad(session: Session, call: Call, actor: Actor, *, manage: bool) -> tuple[Scope, Album, bool]:
    """The ad's album, a scope on its owner's space, and whether ``actor`` may change it."""
    album = refs.ad(session, actor, call.path["ad"])
    owner = entities.owner_of(session, album)
    scope = personal.scope(session, actor, owner, KIND, manage=manage)
    return scope, album, personal.may_manage(actor, owner.id)


def list_images(call: Call) -> Response:
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        scope, album, _ = _ad(session, call, caller.actor, manage=False)
        return _album.listing(session, call, scope, KIND, album.external_id)


def list_data(call: Call) -> Response:
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        scope, album, can_manage = _ad(session, call, caller.actor, manage=False)
        return _album.list_data(
            session, call, scope, KIND, album.external_id, can_manage=can_manage
        )


def upload(call: Call) -> Response:
    name = call.image_name()
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        scope, album, _ = _ad(session, call, caller.actor, manage=True)
    return wire.created(_album.ingest(call, scope, album, name), call.base_url)


def reorder(call: Call) -> Response:
    ids = call.query.ids()
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        scope, album, _ = _ad(session, call, caller.actor, manage=True)
        return _album.reorder(session, scope, album, ids)
