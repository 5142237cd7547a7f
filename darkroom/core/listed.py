"""The columns the image list's filters test, on ``images`` and on the trade tags that copy them.

A trade tag carries its image's copy of every column here (migration 0010), so the same filter
conditions (``core.query``) can be written on either table: on the images, or on one trade's tags
when the list is of one trade (``core.trade_list``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from darkroom.db.models import Image, ImageTrade


@dataclass(frozen=True)
class Listed:
    """One table's columns for the list's filters; ``id`` is the image's id."""

    id: Any
    space_id: Any
    album_id: Any
    created_at: Any
    deleted_at: Any
    expires_at: Any
    private: Any
    uploader_id: Any
    starred: Any
    location_id: Any


def _of(model: Any, id_column: Any) -> Listed:
    names = [name for name in Listed.__dataclass_fields__ if name != "id"]
    return Listed(id_column, **{name: getattr(model, name) for name in names})


IMAGES = _of(Image, Image.id)
TAGS = _of(ImageTrade, ImageTrade.image_id)
