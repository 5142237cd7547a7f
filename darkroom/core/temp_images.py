"""Temporary images: uploaded before the profile, ad or contact info they are for, kept for a
while (``settings.temp_image_ttl``, 24 h by default), then attached or expired.

A user's temporary images are an album of their personal space. A guest's belong to a guest
identity (their guest key, else their remote address), one album per identity in the guests'
space, holding at most ``GUEST_LIMIT`` live images. Expired images are gone for every lookup at
once; ``gc`` deletes their rows and bytes, and an upload clears its album's expired ones first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core import accounts, albums, entities, images, personal
from darkroom.core.access import Actor, Scope, trusted_scope
from darkroom.core.albums import AlbumKind, AlbumPolicy
from darkroom.core.blobs import Source
from darkroom.core.clock import utcnow
from darkroom.core.entities import EntityKind
from darkroom.core.errors import Invalid, Unauthorized
from darkroom.core.images import NewImage
from darkroom.core.models import Album, Image, Principal, Space
from darkroom.core.runtime import Runtime
from darkroom.media import ImageFormat

GUEST_LIMIT = 10


class TempTarget(StrEnum):
    """What a temporary image is for (Cyclos' TempImageTargetEnum)."""

    ADVERTISEMENT = "advertisement"
    CONTACT_INFO = "contactInfo"
    CUSTOM_VALUE = "customValue"
    USER_PROFILE = "userProfile"
    USER_REGISTRATION = "userRegistration"


# Targets that name an existing user's entity: a guest cannot upload for those.
_FOR_EXISTING_USER = frozenset(
    {TempTarget.ADVERTISEMENT, TempTarget.CONTACT_INFO, TempTarget.USER_PROFILE}
)


@dataclass(frozen=True)
class Purpose:
    """What a temporary image is for; every field optional. Also the filter of a listing."""

    target: TempTarget | None = None
    user_id: int | None = None  # the target user, or the advertisement's owner
    custom_field: str | None = None
    custom_field_kind: str | None = None

    def extras(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in (
                ("target", self.target.value if self.target else None),
                ("user", self.user_id),
                ("customField", self.custom_field),
                ("customFieldKind", self.custom_field_kind),
            )
            if value is not None
        }

    def matches(self, image: Image) -> bool:
        stored = image.extras
        return all(stored.get(name) == value for name, value in self.extras().items())


def guest_identity(guest_key: str | None, remote_address: str) -> str:
    """Whose temporary images a guest's are: their key when they sent one, else their address.

    Keys are stored hashed: they are the only secret a guest has.
    """
    if guest_key:
        return "key:" + hashlib.sha256(guest_key.encode()).hexdigest()
    return f"ip:{remote_address}"[:128]


def check_purpose(actor: Actor, purpose: Purpose) -> None:
    """Who may upload for what: guests only for a registration or a custom value; users for
    themselves, managers for anyone. Custom values name their field and its kind."""
    if purpose.target in _FOR_EXISTING_USER and actor.is_guest:
        raise Unauthorized(f"a {purpose.target.value} image needs a logged-in user")
    if purpose.user_id is not None and not personal.may_manage(actor, purpose.user_id):
        personal.deny(actor, f"no access to the images of user {purpose.user_id}")
    if purpose.target is TempTarget.CUSTOM_VALUE:
        for name, value in (
            ("customField", purpose.custom_field),
            ("customFieldKind", purpose.custom_field_kind),
        ):
            if value is None:
                raise Invalid(
                    f"{name} is required for a customValue image", field=name, missing=True
                )


def upload(
    rt: Runtime,
    actor: Actor,
    identity: str,
    source: Source,
    *,
    name: str,
    purpose: Purpose,
    formats: frozenset[ImageFormat] | None = None,
    max_bytes: int | None = None,
) -> Image:
    """A new temporary image of ``actor`` (a guest: of ``identity``), expiring after the TTL."""
    check_purpose(actor, purpose)
    with rt.transaction() as session:
        scope, album = _own_album(session, actor, identity)
        expired = _expired_ids(session, album)
    for image_id in expired:
        images.purge(rt, scope, image_id)
    new = NewImage(
        name=name,
        guest_key=identity if actor.is_guest else None,
        expires_at=utcnow() + rt.settings.temp_image_ttl,
        extras=purpose.extras(),
    )
    return images.ingest(rt, scope, album, source, new, formats=formats, max_bytes=max_bytes)


def list_own(session: Session, actor: Actor, identity: str, wanted: Purpose) -> list[Image]:
    """The caller's live temporary images that match ``wanted``, oldest first."""
    space = _space(session, actor)
    scope = Scope(space=space, actor=actor)
    album = albums.find(session, scope, AlbumKind.CYCLOS_TEMP, _album_id(actor, identity))
    if album is None:
        return []
    now = utcnow()
    return [
        image
        for image in images.in_album(session, scope, album)
        if (image.expires_at is None or image.expires_at > now) and wanted.matches(image)
    ]


@dataclass(frozen=True)
class Destination:
    """Where a temporary image goes: exactly one of a user's profile (by login name), an
    advertisement or a contact info (by id)."""

    profile_of: str | None = None
    advertisement: str | None = None
    contact_info: str | None = None

    def album(self, session: Session) -> Album:
        given = [x for x in (self.profile_of, self.advertisement, self.contact_info) if x]
        if len(given) != 1:
            raise Invalid("name exactly one profile, advertisement or contact info", field="to")
        if self.advertisement:
            return entities.find(session, EntityKind.AD, self.advertisement)
        if self.contact_info:
            return entities.find(session, EntityKind.CONTACT_INFO, self.contact_info)
        owner = accounts.get_principal(session, given[0])
        scope = trusted_scope(personal.space_of(session, owner), accounts.actor_of(owner))
        return personal.album(session, scope, AlbumKind.CYCLOS_PROFILE)


def attach(rt: Runtime, id_or_key: str, destination: Destination) -> Image:
    """Move a live temporary image to ``destination``, where it stops expiring.

    The destination's limit applies (LimitExceeded); a contact info's previous image is
    deleted. This is what Cyclos does when a user or ad is registered with the temp image's id;
    darkroom does not implement registration, so the CLI and the admin endpoint call it.
    """
    with rt.transaction() as session:
        image = personal.find_image(session, id_or_key)
        if personal.kind_of(image) is not AlbumKind.CYCLOS_TEMP:
            raise Invalid(f"image {id_or_key} is not a temporary image", field="image")
        album = destination.album(session)
        space = session.get_one(Space, album.space_id)
        # The system acts for the album's owner; the caller (CLI, admin endpoint) decided it may.
        scope = trusted_scope(space, accounts.actor_of(personal.owner_of(session, space)))
        # images.move works inside one space: re-home the image first, in the same transaction.
        images.rehome(image, space)
        image.guest_key = None
        session.flush()
        # move() also empties a single-slot album (a contact info) first.
        return images.move(session, scope, image, album)


def _own_album(session: Session, actor: Actor, identity: str) -> tuple[Scope, Album]:
    scope = Scope(space=_space(session, actor), actor=actor)
    policy = AlbumPolicy(max_images=GUEST_LIMIT) if actor.is_guest else None
    album = albums.ensure(
        session, scope, AlbumKind.CYCLOS_TEMP, _album_id(actor, identity), policy=policy
    )
    return scope, album


def _space(session: Session, actor: Actor) -> Space:
    if actor.is_guest:
        return personal.guest_space(session)
    return personal.space_of(session, session.get_one(Principal, actor.principal_id))


def _album_id(actor: Actor, identity: str) -> str | None:
    return identity if actor.is_guest else None


def _expired_ids(session: Session, album: Album) -> list[int]:
    return list(
        session.scalars(
            select(Image.id).where(Image.album_id == album.id, Image.expires_at <= utcnow())
        )
    )
