"""Advertisements and contact infos: entities of another system that darkroom knows only as the
image albums of their owner's personal space.

Each one is an album of ``CYCLOS_AD`` or ``CYCLOS_CONTACT_INFO`` kind whose ``external_id`` is the
entity's id. Ids are positive integers, unique across all users (clients name an ad by its id
alone); an ad may also carry a product number, unique among its owner's ads. The CLI and the
admin endpoint provision them through these functions; the image APIs only look them up.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from darkroom.core import accounts, albums, images, personal
from darkroom.core.access import Scope, trusted_scope
from darkroom.core.albums import AlbumKind
from darkroom.core.errors import Conflict, Invalid, NotFound
from darkroom.core.filters import INT64_MAX, parse_int
from darkroom.core.models import Album, Image, Principal, Space
from darkroom.core.runtime import Runtime

PRODUCT_NUMBER = "productNumber"  # key of the product number in the album's extras
MAX_PRODUCT_NUMBER = 128
MAX_NAME = 255  # the width of albums.name


class EntityKind(StrEnum):
    """What an entity is called in NotFound errors, and the album kind that holds its images."""

    AD = "advertisement"
    CONTACT_INFO = "contactInfo"

    @property
    def album_kind(self) -> AlbumKind:
        return AlbumKind.CYCLOS_AD if self is EntityKind.AD else AlbumKind.CYCLOS_CONTACT_INFO


@dataclass(frozen=True)
class Entity:
    """An advertisement or contact info as the provisioning interfaces show it."""

    kind: EntityKind
    id: str
    owner_id: int
    name: str
    product_number: str | None
    image_count: int


def create(
    session: Session,
    owner: Principal,
    kind: EntityKind,
    entity_id: str | None = None,
    *,
    name: str = "",
    product_number: str | None = None,
) -> Entity:
    """A new entity of ``owner``; its id is generated when not given.

    Invalid for a malformed id or product number (or a product number on a contact info);
    Conflict when the id, or the owner's product number, is taken.
    """
    if len(name) > MAX_NAME:
        raise Invalid(f"a name is at most {MAX_NAME} characters", field="name")
    number = _checked_id(entity_id) if entity_id is not None else _new_id(session, kind)
    if product_number is not None:
        product_number = _checked_product_number(kind, product_number)
    if _album(session, kind, number) is not None:
        raise Conflict(f"{kind.value} {number} already exists")
    if product_number is not None and _by_product(session, owner, product_number) is not None:
        raise Conflict(f"product number {product_number!r} is taken for this user")
    album = albums.ensure(session, _owner_scope(session, owner), kind.album_kind, number, name=name)
    if product_number is not None:
        album.extras = {**album.extras, PRODUCT_NUMBER: product_number}
    session.flush()
    return _entity(session, kind, album, 0)


def list_for(session: Session, owner: Principal, kind: EntityKind) -> list[Entity]:
    """The owner's entities of ``kind``, oldest first."""
    found = albums.list_albums(session, _owner_scope(session, owner), kind.album_kind)
    return [_entity(session, kind, album, albums.count_images(session, album)) for album in found]


def find(session: Session, kind: EntityKind, entity_id: str) -> Album:
    """The album of entity ``entity_id``; NotFound(kind, id) when there is none."""
    album = _album(session, kind, entity_id) if _is_id(entity_id) else None
    if album is None:
        raise NotFound(kind.value, entity_id)
    return album


def find_by_product(session: Session, owner: Principal, product_number: str, key: str) -> Album:
    """The owner's advertisement with ``product_number``; NotFound("advertisement", key)."""
    album = _by_product(session, owner, product_number)
    if album is None:
        raise NotFound(EntityKind.AD.value, key)
    return album


def owner_of(session: Session, album: Album) -> Principal:
    return personal.owner_of(session, session.get_one(Space, album.space_id))


def delete_entity(rt: Runtime, owner: Principal, kind: EntityKind, entity_id: str) -> None:
    """Remove the owner's entity and its images for good; its id may then be used again."""
    with rt.transaction() as session:
        album = find(session, kind, entity_id)
        if album.space_id != personal.space_of(session, owner).id:
            raise NotFound(kind.value, entity_id)
        scope = _owner_scope(session, owner)
        image_ids = list(session.scalars(select(Image.id).where(Image.album_id == album.id)))
    for image_id in image_ids:
        images.purge(rt, scope, image_id)
    with rt.transaction() as session:
        session.execute(delete(Album).where(Album.id == album.id))


def _owner_scope(session: Session, owner: Principal) -> Scope:
    # Provisioning is the system acting for the owner: the caller (CLI, admin endpoint) has
    # already decided that it may.
    return trusted_scope(personal.space_of(session, owner), accounts.actor_of(owner))


def _album(session: Session, kind: EntityKind, entity_id: str) -> Album | None:
    return session.scalar(
        select(Album).where(
            Album.kind == kind.album_kind,
            Album.external_id == entity_id,
            Album.deleted_at.is_(None),
        )
    )


def _by_product(session: Session, owner: Principal, product_number: str) -> Album | None:
    # A user has a handful of ads, and product numbers live in the album's extras (echoed data,
    # not a column), so they are compared here rather than queried.
    space = personal.space_of(session, owner)
    ads = session.scalars(
        select(Album).where(
            Album.space_id == space.id,
            Album.kind == AlbumKind.CYCLOS_AD,
            Album.deleted_at.is_(None),
        )
    )
    return next((ad for ad in ads if ad.extras.get(PRODUCT_NUMBER) == product_number), None)


def _entity(session: Session, kind: EntityKind, album: Album, count: int) -> Entity:
    owner = personal.owner_id(session.get_one(Space, album.space_id))
    return Entity(
        kind=kind,
        id=album.external_id or "",
        owner_id=owner or 0,
        name=album.name,
        product_number=album.extras.get(PRODUCT_NUMBER),
        image_count=count,
    )


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < int(text) <= INT64_MAX and text[0] != "0"


def _checked_id(text: str) -> str:
    if not _is_id(text.strip()):
        raise Invalid("an id must be a positive integer without leading zeros", field="id")
    return str(parse_int(text, field="id", minimum=1))


def _new_id(session: Session, kind: EntityKind) -> str:
    # Random like upstream ids (never a small counter another system might also use).
    while True:
        candidate = str(secrets.randbelow(INT64_MAX - 10**15) + 10**15)
        if _album(session, kind, candidate) is None:
            return candidate


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
