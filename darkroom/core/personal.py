"""Images that belong to a person: each user's space, its albums, and who may see or change them.

A user's space (``cyclos-user:<principal id>``) holds their profile and custom images, the
albums of their advertisements and contact infos, and their temporary images. Guests' temporary
images live in one shared space (``cyclos-user:guests``), one album per guest key or address.

The rules, one place for every door:

- profile, advertisement and contact-info images are seen by anyone who can see the owner
  (guests included); custom and temporary images only by the owner and managers;
- only the owner and managers change any of them;
- a guest asking for something that needs a user is Unauthorized ("missing"); a user asking for
  something that is not theirs is Forbidden.

Scopes here are granted by ownership, not by grants: these spaces are personal, and
``access.enter`` (grants on shared tenant spaces) has nothing to say about them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core import albums, directory, images, spaces
from darkroom.core.access import Actor, Scope
from darkroom.core.albums import AlbumKind
from darkroom.core.clock import utcnow
from darkroom.core.errors import Forbidden, Invalid, NotFound, Unauthorized
from darkroom.core.filters import parse_int
from darkroom.core.models import Album, Image, Principal, Space
from darkroom.core.spaces import SpaceKind

GUESTS = "guests"  # external id of the space holding guests' temporary images

PUBLIC_KINDS = frozenset(
    {AlbumKind.CYCLOS_PROFILE, AlbumKind.CYCLOS_AD, AlbumKind.CYCLOS_CONTACT_INFO}
)
KINDS = frozenset({*PUBLIC_KINDS, AlbumKind.CYCLOS_CUSTOM, AlbumKind.CYCLOS_TEMP})


def space_of(session: Session, owner: Principal) -> Space:
    """The user's personal space, made on first use."""
    return spaces.ensure(session, SpaceKind.CYCLOS_USER, str(owner.id))


def guest_space(session: Session) -> Space:
    return spaces.ensure(session, SpaceKind.CYCLOS_USER, GUESTS)


def owner_id(space: Space) -> int | None:
    """The principal id a personal space belongs to; None for the guests' space."""
    return int(space.external_id) if space.external_id.isdigit() else None


def owner_of(session: Session, space: Space) -> Principal:
    """The user a personal space belongs to; NotFound for the guests' space."""
    found = owner_id(space)
    principal = session.get(Principal, found) if found is not None else None
    if principal is None:
        raise NotFound("user", space.external_id)
    return principal


def may_manage(actor: Actor, owner: int | None) -> bool:
    return actor.manages or (owner is not None and actor.principal_id == owner)


def may_view(actor: Actor, owner: int | None, kind: AlbumKind) -> bool:
    return kind in PUBLIC_KINDS or may_manage(actor, owner)


def deny(actor: Actor, message: str) -> None:
    """Raise what refusing ``actor`` means: a guest must log in, a user is not allowed."""
    if actor.is_guest:
        raise Unauthorized(message)
    raise Forbidden(message)


def scope(
    session: Session, actor: Actor, owner: Principal, kind: AlbumKind, *, manage: bool
) -> Scope:
    """The owner's space, for ``actor`` to view (or, with ``manage``, change) ``kind`` images."""
    allowed = may_manage(actor, owner.id) if manage else may_view(actor, owner.id, kind)
    if not allowed:
        deny(actor, f"no access to the {kind.value} images of user {owner.id}")
    return Scope(space=space_of(session, owner), actor=actor)


def album(session: Session, scope: Scope, kind: AlbumKind, external_id: str | None = None) -> Album:
    """The scope's album of ``kind``, made on first use (with the kind's size policy)."""
    return albums.ensure(session, scope, kind, external_id)


def limit_of(kind: AlbumKind, found: Album | None) -> int | None:
    """How many images the album holds at most (the kind's policy before it exists)."""
    return found.max_images if found is not None else albums.POLICIES[kind].max_images


def find_image(session: Session, id_or_key: str) -> Image:
    """A live, unexpired image of a personal album, by integer id or generated key."""
    image = _lookup(session, id_or_key)
    if (
        image is None
        or image.deleted_at is not None
        or image.album.kind not in KINDS
        or (image.expires_at is not None and image.expires_at <= utcnow())
    ):
        raise NotFound("image", id_or_key)
    return image


def _lookup(session: Session, id_or_key: str) -> Image | None:
    if not id_or_key.isdigit():
        return session.scalar(select(Image).where(Image.key == id_or_key))
    try:
        image_id = parse_int(id_or_key, field="id", minimum=1)
    except Invalid:
        return None
    return session.get(Image, image_id)


def image_to_view(
    session: Session, actor: Actor, id_or_key: str, *, guest_identity: str | None = None
) -> Image:
    """The image ``id_or_key`` if ``actor`` may see it.

    A key is a capability (unguessable, handed out in content URLs that browsers fetch without
    credentials), so an image asked for by key is served to anyone who has it. By id, the rules
    of the module apply; a guest's temporary image is theirs when ``guest_identity`` matches.
    """
    image = find_image(session, id_or_key)
    if not id_or_key.isdigit():
        return image
    kind, owner = _kind_and_owner(session, image)
    if kind is AlbumKind.CYCLOS_TEMP and owner is None:
        if actor.is_guest and guest_identity is not None and guest_identity == image.guest_key:
            return image
        if not actor.manages:
            deny(actor, f"no access to image {id_or_key}")
        return image
    if owner is not None and kind in PUBLIC_KINDS:
        require_owner_visible(session, actor, owner, id_or_key)
    if not may_view(actor, owner, kind):
        deny(actor, f"no access to image {id_or_key}")
    return image


def image_to_manage(session: Session, actor: Actor, id_or_key: str) -> tuple[Image, Scope]:
    """The image ``id_or_key`` and a scope to change it in, if ``actor`` may change it."""
    if actor.is_guest:
        raise Unauthorized("changing an image needs a logged-in user")
    image = find_image(session, id_or_key)
    _, owner = _kind_and_owner(session, image)
    if not may_manage(actor, owner):
        deny(actor, f"no access to image {id_or_key}")
    return image, Scope(space=session.get_one(Space, image.space_id), actor=actor)


def require_owner_visible(session: Session, actor: Actor, owner: int, key: str) -> None:
    """Images of a user nobody may see (inactive, for non-managers) do not exist for ``actor``."""
    principal = session.get(Principal, owner)
    if principal is None or not directory.visible(actor, principal):
        raise NotFound("image", key)


def kind_of(image: Image) -> AlbumKind:
    return AlbumKind(image.album.kind)


def _kind_and_owner(session: Session, image: Image) -> tuple[AlbumKind, int | None]:
    return kind_of(image), owner_id(session.get_one(Space, image.space_id))


def portrait(session: Session, owner: Principal) -> Image | None:
    """The image that depicts the user: their first profile image, if any."""
    space = spaces.find(session, SpaceKind.CYCLOS_USER, str(owner.id))
    if space is None:
        return None
    return session.scalar(
        select(Image)
        .join(Album, Album.id == Image.album_id)
        .where(
            Album.space_id == space.id,
            Album.kind == AlbumKind.CYCLOS_PROFILE,
            Album.deleted_at.is_(None),
            Image.deleted_at.is_(None),
        )
        .order_by(Image.position, Image.id)
        .limit(1)
    )


def images_of(
    session: Session, scope: Scope, kind: AlbumKind, external_id: str | None = None
) -> tuple[Album | None, list[Image]]:
    """The scope's album of ``kind`` (None before its first use) and its images in order."""
    found = albums.find(session, scope, kind, external_id)
    return found, (images.in_album(session, scope, found) if found is not None else [])
