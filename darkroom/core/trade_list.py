"""The list of one trade read from that trade's tags alone.

A trade tag carries its image's space and every column the list's filters test (migration 0010,
kept in step by triggers), and ``ix_image_trades_listed`` holds them after ``(trade_id, space_id,
created_at, image_id)``. So the exact count of one trade in a project is one range of that index
(about 3,300 entries at 1,000,000 images, where probing ``images`` once per tag took 13.5 ms on
PostgreSQL), and its page newest first is the same range read backwards, stopped at the page.

Lists this cannot answer go through ``images`` as before: several trades (an image tagged with two
of them would be counted twice), and filters of columns the tags do not copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select

from darkroom.core.listed import TAGS
from darkroom.db.models import ImageTrade

if TYPE_CHECKING:
    from darkroom.core.query import ImageQuery


def answers(query: ImageQuery) -> bool:
    """Whether the tags alone count ``query``: one trade, and no filter of a column they lack."""
    uncopied = query.ids or query.updated or query.log_date or query.text
    return len(set(query.trade_ids)) == 1 and not uncopied


def pages(query: ImageQuery) -> bool:
    """Whether the tags also give ``query``'s page: they are in creation order only."""
    return answers(query) and [key.field for key in query.sort] == ["created_at"]


def count(query: ImageQuery, conditions: Sequence[Any]) -> Select[int]:
    """How many of the trade's tags in the scope meet ``conditions`` (written on ``TAGS``, the
    scope's space among them)."""
    return select(func.count()).select_from(ImageTrade).where(_trade(query), *conditions)


def page_ids(query: ImageQuery, conditions: Sequence[Any]) -> Select[int]:
    """The image ids of ``query``'s page, from the tags meeting ``conditions``, ties by id."""
    descending = query.sort[0].descending
    order = [column.desc() if descending else column.asc() for column in (TAGS.created_at, TAGS.id)]
    return (
        select(TAGS.id)
        .where(_trade(query), *conditions)
        .order_by(*order)
        .offset(query.offset)
        .limit(query.limit)
    )


def _trade(query: ImageQuery) -> Any:
    return ImageTrade.trade_id == query.trade_ids[0]
