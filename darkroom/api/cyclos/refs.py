"""Path values that name users, advertisements and contact infos (spec §3.1).

- user: ``self``; a number is always an id; ``'123`` is the identification "123" (login name or
  e-mail that happens to be numeric); anything else a login name, then an e-mail.
- ad: a number is the ad id; ``productNumber@user`` a webshop product of that user; any other
  text a product number of the logged user.
"""

from __future__ import annotations

from darkroom.api.cyclos import entities
from darkroom.api.cyclos.entities import EntityKind
from darkroom.core import access, directory
from darkroom.core.access import Actor
from darkroom.core.named_albums import NamedAlbum
from darkroom.core.records import PrincipalRecord
from darkroom.core.runtime import Runtime
from darkroom.core.values import INT64_MAX
from darkroom.errors import NotFound

SELF = "self"
QUOTE = "'"


def user(rt: Runtime, actor: Actor, text: str) -> PrincipalRecord:
    """The user ``text`` names, if ``actor`` may see them; 404 ``user`` otherwise."""
    if text == SELF:
        return directory.myself(rt, actor)
    if text.isascii() and text.isdigit():
        if len(text) > len(str(INT64_MAX)):
            raise NotFound("user", text)
        return directory.user_with_id(rt, actor, int(text), key=text)
    return directory.user_identified_by(rt, actor, text.removeprefix(QUOTE), key=text)


def ad(rt: Runtime, actor: Actor, text: str) -> NamedAlbum:
    """The advertisement ``text`` names; 404 ``advertisement`` when unknown or hidden."""
    if text.isascii() and text.isdigit():
        found = entities.find(rt, EntityKind.AD, text)
    elif "@" in text:
        product_number, _, user_text = text.partition("@")
        owner = user(rt, actor, user_text)
        found = entities.find_by_product(rt, owner.id, product_number, text)
    else:
        owner = directory.myself(rt, actor)
        found = entities.find_by_product(rt, owner.id, text, text)
    if not access.sees_user(rt, actor, found.owner):
        raise NotFound(EntityKind.AD.value, text)
    return found


def contact_info(rt: Runtime, text: str) -> NamedAlbum:
    return entities.find(rt, EntityKind.CONTACT_INFO, text)
