"""Personal spaces: each user's own space (``personal:<principal id>``), holding the albums a
door keeps for them and their temporary images, and the guests' space (``personal:guests``),
holding guests' temporary images, one album per guest identity.

Who may see or change what is decided by ownership (``access.enter_personal`` and the rules next
to it): the owner and those with a manager's grant on the space change; anyone who may see the
owner views albums whose policy is ``visible_to_guests``. This module finds images across
personal spaces, by id or by key, and applies those rules to them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core import access, accounts, albums, images, spaces
from darkroom.core.access import PERSONAL_SPACE, Actor, Scope, SpaceRole, trusted_scope
from darkroom.core.liveness import is_live, live_rows
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.records import AlbumRecord, ImageRecord, album_record, image_records
from darkroom.core.runtime import Runtime
from darkroom.core.values import parse_id
from darkroom.db.models import Album, Image, Principal, Space
from darkroom.errors import NotFound, Unauthorized


def owner_id(space: Space) -> int | None:
    """The principal id a personal space belongs to; None for the guests' space."""
    return int(space.external_id) if space.external_id.isdigit() else None


def space_of(session: Session, owner: int) -> Space:
    """The personal space of user ``owner``, made on first use (for writes only)."""
    return spaces.ensure(session, PERSONAL_SPACE, str(owner))


def system_scope(session: Session, space: Space) -> Scope:
    """A scope on a user's personal space acting as its owner, for provisioning that the caller
    (CLI, admin endpoint) has already decided may happen. NotFound for the guests' space and for
    any space that is not personal (a tenant's numeric id names no owner)."""
    found = owner_id(space) if space.kind == PERSONAL_SPACE else None
    principal = session.get(Principal, found) if found is not None else None
    if principal is None:
        raise NotFound("user", space.external_id)
    return trusted_scope(space, accounts.actor_of(principal), SpaceRole.MANAGER)


def provide_album(
    rt: Runtime, owner: int, album_type: AlbumType, external_id: str | None = None
) -> AlbumRecord:
    """User ``owner``'s album of ``album_type``, made (with its space) on first use: provisioning,
    as ``system_scope``."""
    with rt.transaction() as session:
        scope = system_scope(session, space_of(session, owner))
        return album_record(albums.ensure(session, scope, album_type, external_id))


def find_image(session: Session, id_or_key: str) -> Image:
    """A live, unexpired image of a personal space, by integer id or generated key."""
    image = _lookup(session, id_or_key)
    if (
        image is None
        or not is_live(image)
        or session.get_one(Space, image.space_id).kind != PERSONAL_SPACE
    ):
        raise NotFound("image", id_or_key)
    return image


def _lookup(session: Session, id_or_key: str) -> Image | None:
    if not id_or_key.isdigit():
        return session.scalar(select(Image).where(Image.key == id_or_key))
    image_id = parse_id(id_or_key)
    return session.get(Image, image_id) if image_id is not None else None


def find_viewable(
    rt: Runtime, actor: Actor, id_or_key: str, *, guest_identity: str | None = None
) -> ImageRecord:
    """The image ``id_or_key`` if ``actor`` may see it. Reads only.

    A key is a capability (unguessable, handed out in content URLs that browsers fetch without
    credentials), so an image asked for by key is found for anyone who has it; one not every
    guest may see is then served only with its link's signature or to a caller
    ``check_viewable`` lets through (the door decides, per request). By id, the rules
    of personal spaces apply; an image of the guests' space is seen by managers and by the guest
    whose identity it carries (``guest_identity``).
    """
    with rt.reading() as session:
        image = find_image(session, id_or_key)
        if id_or_key.isdigit():
            _check_view(session, actor, image, id_or_key, guest_identity)
        return image_records(session, [image])[0]


def check_viewable(
    rt: Runtime, actor: Actor, image: ImageRecord, *, guest_identity: str | None = None
) -> None:
    """Refuse ``actor`` the image ``image`` (found by a capability) unless they may see it by
    the rules of personal spaces, as ``find_viewable`` does by id. Reads only."""
    with rt.reading() as session:
        row = session.get(Image, image.id)
        if row is None:
            raise NotFound("image", image.key)
        _check_view(session, actor, row, image.key, guest_identity)


def _check_view(
    session: Session, actor: Actor, image: Image, key: str, guest_identity: str | None
) -> None:
    owner = owner_id(session.get_one(Space, image.space_id))
    policy = AlbumPolicy.of(image.album)
    if owner is None:
        theirs = actor.is_guest and guest_identity is not None and guest_identity == image.guest_key
        if not theirs and not access.may_manage(session, actor, None):
            access.refuse(actor, f"no access to image {key}")
        return
    # Images of a user one may not see (inactive, for non-managers) do not exist for them.
    principal = session.get(Principal, owner)
    if principal is None or not access.may_see(session, actor, principal):
        raise NotFound("image", key)
    if not access.may_view(session, actor, owner, policy):
        access.refuse(actor, f"no access to image {key}")


def delete_image(rt: Runtime, actor: Actor, id_or_key: str) -> None:
    """Delete the image ``id_or_key`` for good, if ``actor`` may change it (owner, managers of
    the space)."""
    if actor.is_guest:
        raise Unauthorized("changing an image needs a logged-in user")
    with rt.reading() as session:
        image = find_image(session, id_or_key)
        owner = owner_id(session.get_one(Space, image.space_id))
        image_id, policy = image.id, AlbumPolicy.of(image.album)
    if owner is None:
        scope = access.enter_guests(rt, actor, write=True)
        if not scope.manages:
            access.refuse(actor, f"no access to image {id_or_key}")
    else:
        scope = access.enter_personal(rt, actor, owner, policy, write=True)
    images.purge(rt, scope, image_id)


def portrait(rt: Runtime, owner: int, kind: str) -> ImageRecord | None:
    """The image that depicts user ``owner``: the first image of their album of ``kind``, if
    any. Reads only."""
    with rt.reading() as session:
        space = spaces.find(session, PERSONAL_SPACE, str(owner))
        if space is None:
            return None
        first = session.scalar(
            select(Image)
            .join(Album, Album.id == Image.album_id)
            .where(
                Album.space_id == space.id,
                Album.kind == kind,
                Album.deleted_at.is_(None),
                live_rows(),
            )
            .order_by(Image.position, Image.id)
            .limit(1)
        )
        return image_records(session, [first])[0] if first is not None else None
