"""Advertisements and contact infos: Cyclos entities that darkroom knows only as albums of their
owner's personal space named by the entity's id (``core.named_albums``), and where temporary images
go when a user or an ad is registered with them.

Ids are positive integers, unique across all users (clients name an ad by its id alone); an ad
may also carry a product number, unique among its owner's ads. The CLI and the admin endpoint
provision them through these functions; the image operations only look them up (``refs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from darkroom.api import vocabulary
from darkroom.core import accounts, named_albums, personal, temporary
from darkroom.core.named_albums import NamedAlbum
from darkroom.core.policy import AlbumType
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.core.values import INT64_MAX, parse_id
from darkroom.errors import Conflict, Invalid, NotFound

PRODUCT_NUMBER = "productNumber"  # key of the product number in the album's extras
MAX_PRODUCT_NUMBER = 128


class EntityKind(StrEnum):
    """What an entity is called in Cyclos' NotFound errors, and the album type of its images."""

    AD = "advertisement"
    CONTACT_INFO = "contactInfo"

    @property
    def album_type(self) -> AlbumType:
        return vocabulary.CYCLOS_AD if self is EntityKind.AD else vocabulary.CYCLOS_CONTACT_INFO


@dataclass(frozen=True)
class Entity:
    """An advertisement or contact info as the provisioning interfaces show it."""

    kind: EntityKind
    id: str
    owner_id: int
    name: str
    product_number: str | None
    image_count: int

    @classmethod
    def of(cls, kind: EntityKind, found: NamedAlbum) -> Entity:
        number = found.album.extras.get(PRODUCT_NUMBER)
        return cls(
            kind=kind,
            id=found.external_id,
            owner_id=found.owner.id,
            name=found.album.name,
            product_number=str(number) if number is not None else None,
            image_count=found.image_count,
        )


def find(rt: Runtime, kind: EntityKind, text: str) -> NamedAlbum:
    """The album of entity ``text``; NotFound(kind, text) when there is none."""
    found = named_albums.find(rt, kind.album_type.kind, text) if is_id(text) else None
    if found is None:
        raise NotFound(kind.value, text)
    return found


def find_by_product(rt: Runtime, owner_id: int, product_number: str, key: str) -> NamedAlbum:
    """The owner's advertisement with ``product_number``; NotFound("advertisement", key)."""
    kind = EntityKind.AD
    found = named_albums.find_by_extra(
        rt, owner_id, kind.album_type.kind, PRODUCT_NUMBER, product_number
    )
    if found is None:
        raise NotFound(kind.value, key)
    return found


def create(
    rt: Runtime,
    owner: str,
    kind: EntityKind,
    entity_id: str | None = None,
    *,
    name: str = "",
    product_number: str | None = None,
) -> Entity:
    """A new entity of the user named ``owner``; its id is generated when not given.

    Invalid for a malformed id or product number (or a product number on a contact info);
    Conflict when the id, or the owner's product number, is taken.
    """
    user = accounts.principal_named(rt, owner)
    number = _checked_id(entity_id) if entity_id is not None else None
    extras = {}
    if product_number is not None:
        extras[PRODUCT_NUMBER] = _checked_product_number(kind, product_number)
    try:
        made = named_albums.create(
            rt, user.id, kind.album_type, number, name=name, extras=extras, unique=[PRODUCT_NUMBER]
        )
    except Conflict as error:
        if error.details.get("taken") == named_albums.TAKEN_ID:
            raise Conflict(f"{kind.value} {number} already exists") from None
        raise Conflict(f"product number {product_number!r} is taken for this user") from None
    return Entity.of(kind, made)


def list_for(rt: Runtime, owner: str, kind: EntityKind) -> list[Entity]:
    """The entities of ``kind`` of the user named ``owner``, oldest first."""
    user = accounts.principal_named(rt, owner)
    return [
        Entity.of(kind, found) for found in named_albums.list_for(rt, user.id, kind.album_type.kind)
    ]


def delete(rt: Runtime, owner: str, kind: EntityKind, entity_id: str) -> None:
    """Remove the entity of the user named ``owner`` and its images for good; its id may then be
    used again."""
    user = accounts.principal_named(rt, owner)
    if not is_id(entity_id) or not named_albums.delete(
        rt, user.id, kind.album_type.kind, entity_id
    ):
        raise NotFound(kind.value, entity_id)


@dataclass(frozen=True)
class Destination:
    """Where a temporary image goes: exactly one of a user's profile (by login name), an
    advertisement or a contact info (by id)."""

    profile_of: str | None = None
    advertisement: str | None = None
    contact_info: str | None = None

    def album_id(self, rt: Runtime) -> int:
        given = [x for x in (self.profile_of, self.advertisement, self.contact_info) if x]
        if len(given) != 1:
            raise Invalid("name exactly one profile, advertisement or contact info", field="to")
        if self.advertisement:
            return find(rt, EntityKind.AD, self.advertisement).album.id
        if self.contact_info:
            return find(rt, EntityKind.CONTACT_INFO, self.contact_info).album.id
        owner = accounts.principal_named(rt, given[0])
        return personal.provide_album(rt, owner.id, vocabulary.CYCLOS_PROFILE).id


def attach(rt: Runtime, id_or_key: str, destination: Destination) -> ImageRecord:
    """Move a live temporary image to ``destination``, where it stops expiring.

    The destination's limit applies (LimitExceeded); a contact info's previous image is
    deleted. This is what Cyclos does when a user or ad is registered with the temp image's id;
    darkroom does not implement registration, so the CLI and the admin endpoint call it.
    """
    return temporary.attach(rt, id_or_key, destination.album_id(rt))


def is_id(text: str) -> bool:
    """Whether ``text`` is a Cyclos id: a positive 64-bit integer without leading zeros."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(INT64_MAX)):
        return False
    return text[0] != "0" and int(text) <= INT64_MAX


def _checked_id(text: str) -> str:
    if not is_id(text.strip()):
        raise Invalid("an id must be a positive integer without leading zeros", field="id")
    return str(parse_id(text.strip()))


def _checked_product_number(kind: EntityKind, text: str) -> str:
    if kind is not EntityKind.AD:
        raise Invalid("only advertisements have product numbers", field="productNumber")
    value = text.strip()
    if not value or len(value) > MAX_PRODUCT_NUMBER or "@" in value or not value.isprintable():
        raise Invalid(
            f"a product number is 1-{MAX_PRODUCT_NUMBER} printable characters without '@'",
            field="productNumber",
        )
    return value
