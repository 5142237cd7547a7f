"""Where a Procore image goes: its album (category or "Unclassified") and its location."""

from __future__ import annotations

from sqlalchemy.orm import Session

from darkroom.api.procore.bodies import Attributes
from darkroom.core import albums, locations
from darkroom.core.access import Scope
from darkroom.core.albums import AlbumKind
from darkroom.core.errors import Invalid, NotFound
from darkroom.core.models import Album
from darkroom.core.unset import UNSET, Unset

UNCLASSIFIED = "Unclassified"


def unclassified(session: Session, scope: Scope) -> Album:
    """The project's default album, for images without a category (made on first use)."""
    return albums.ensure(session, scope, AlbumKind.PROCORE_UNCLASSIFIED, name=UNCLASSIFIED)


def category(session: Session, scope: Scope, category_id: int) -> Album:
    """A live image category of the project (404 when there is none)."""
    return albums.get(session, scope, category_id, kind=AlbumKind.PROCORE_CATEGORY)


def album_for(session: Session, scope: Scope, category_id: int | Unset | None) -> Album:
    """The album an image with ``image_category_id`` belongs in; an unknown id is 422."""
    if isinstance(category_id, Unset) or category_id is None:
        return unclassified(session, scope)
    try:
        return category(session, scope, category_id)
    except NotFound:
        raise Invalid(f"unknown image category {category_id}", field="image_category_id") from None


def location_for(session: Session, scope: Scope, attrs: Attributes) -> int | Unset | None:
    """``location_id`` if given, else the location at ``mt_location`` (tiers made as needed)."""
    if not isinstance(attrs.location_id, Unset) and (
        attrs.location_id is not None or isinstance(attrs.mt_location, Unset)
    ):
        return attrs.location_id
    if not isinstance(attrs.mt_location, Unset):
        try:
            found, _ = locations.find_or_create_path(session, scope, attrs.mt_location)
        except Invalid as error:
            raise Invalid(error.message, field="mt_location") from None
        return found.id
    return UNSET
