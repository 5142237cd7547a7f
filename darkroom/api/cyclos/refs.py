"""Path values that name users and advertisements (spec §3.1).

- user: ``self``; a number is always an id; ``'123`` is the identification "123" (login name or
  e-mail that happens to be numeric); anything else a login name, then an e-mail.
- ad: a number is the ad id; ``productNumber@user`` a webshop product of that user; any other
  text a product number of the logged user.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from darkroom.core import directory, entities
from darkroom.core.access import Actor
from darkroom.core.entities import EntityKind
from darkroom.core.errors import NotFound
from darkroom.core.filters import INT64_MAX
from darkroom.core.models import Album, Principal

SELF = "self"
QUOTE = "'"


def user(session: Session, actor: Actor, text: str) -> Principal:
    """The user ``text`` names, if ``actor`` may see them; 404 ``user`` otherwise."""
    if text == SELF:
        return directory.myself(session, actor)
    if text.isascii() and text.isdigit():
        found = directory.by_id(session, int(text)) if len(text) <= len(str(INT64_MAX)) else None
    else:
        found = directory.by_identification(session, text.removeprefix(QUOTE))
    return directory.require_visible(actor, found, text)


def ad(session: Session, actor: Actor, text: str) -> Album:
    """The advertisement album ``text`` names; 404 ``advertisement`` when unknown or hidden."""
    if text.isascii() and text.isdigit():
        album = entities.find(session, EntityKind.AD, text)
    elif "@" in text:
        product_number, _, user_text = text.partition("@")
        owner = user(session, actor, user_text)
        album = entities.find_by_product(session, owner, product_number, text)
    else:
        owner = directory.myself(session, actor)
        album = entities.find_by_product(session, owner, text, text)
    if not directory.visible(actor, entities.owner_of(session, album)):
        raise NotFound(EntityKind.AD.value, text)
    return album


def contact_info(session: Session, text: str) -> Album:
    return entities.find(session, EntityKind.CONTACT_INFO, text)
