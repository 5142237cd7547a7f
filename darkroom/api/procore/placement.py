"""Where a Procore image goes, in core's words: its category or else "Unclassified" (an album),
and its location, by ``location_id`` or by ``mt_location`` tiers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from darkroom.api.procore.bodies import Attributes
from darkroom.api.vocabulary import PROCORE_CATEGORY, PROCORE_UNCLASSIFIED
from darkroom.core.images import Placement
from darkroom.core.unset import UNSET, Unset
from darkroom.errors import Invalid, NotFound

UNCLASSIFIED = "Unclassified"


def of(attrs: Attributes) -> Placement:
    """``location_id`` wins when it names a location or no ``mt_location`` is given."""
    location_id = attrs.location_id
    path = attrs.mt_location
    if isinstance(location_id, int) or isinstance(path, Unset):
        path = UNSET
    else:
        location_id = UNSET
    return Placement(
        kind=PROCORE_CATEGORY.kind,
        default=PROCORE_UNCLASSIFIED,
        default_name=UNCLASSIFIED,
        album_id=attrs.image_category_id,
        location_id=location_id,
        location_path=path,
    )


@contextmanager
def checked(attrs: Attributes) -> Iterator[None]:
    """Procore's words for a placement core refuses: an unknown category, a bad ``mt_location``."""
    try:
        yield
    except NotFound as error:
        if error.entity != "album":
            raise
        category = attrs.image_category_id
        raise Invalid(f"unknown image category {category}", field="image_category_id") from None
    except Invalid as error:
        if error.field != "path":
            raise
        raise Invalid(error.message, field="mt_location") from None
