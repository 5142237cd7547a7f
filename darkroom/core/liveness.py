"""What is live: an image in no trash that has not expired. The one rule every lookup and list
applies, for rows and for queries alike.

Temporary images expire; an expired one is gone for every lookup at once, before gc deletes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from darkroom.clock import utcnow
from darkroom.db.models import Image


def is_live(image: Image) -> bool:
    return image.deleted_at is None and not expired(image)


def expired(image: Image) -> bool:
    return image.expires_at is not None and image.expires_at <= utcnow()


def expired_rows(now: datetime | None = None) -> ColumnElement[bool]:
    """``expired`` as a query condition (at ``now``, for jobs that fix the time they run at)."""
    return Image.expires_at <= (now or utcnow())


def unexpired_rows(expires_at: Any = Image.expires_at) -> ColumnElement[bool]:
    """``not expired`` as a query condition (lists add the trash condition they want); on
    another table's copy of ``expires_at`` if given (the trade tags carry one)."""
    return or_(expires_at.is_(None), expires_at > utcnow())


def live_rows() -> ColumnElement[bool]:
    """``is_live`` as a query condition."""
    return and_(Image.deleted_at.is_(None), unexpired_rows())
