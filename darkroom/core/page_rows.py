"""A page of images read as plain rows and made into records, without the ORM.

The image list is the busiest read of every door. Loading its 100 images through the ORM (the
identity map, a relationship loader per relation, an object per row) cost more than all of the
list's SQL at 1,000,000 images (docs/benchmarks.md, "List"). So a page is one joined statement,
each image with its blob, album, location and uploader, plus one statement for the page's trades;
the rows are sliced per table into named tuples that the record builders read like ORM rows.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ARRAY, Integer, Select, Table, any_, bindparam, select
from sqlalchemy.orm import Session

from darkroom.core import records
from darkroom.core.records import ImageRecord
from darkroom.db.models import Album, Base, Blob, Image, ImageTrade, Location, Principal, Trade


class _Shape:
    """Where a table's columns sit in the joined row, and the tuple type that names them."""

    def __init__(self, table: Table, start: int) -> None:
        self.table = table
        self.start = start
        self.end = start + len(table.columns)
        self.make = _row_type(table)._make

    def of(self, values: Sequence[Any]) -> Any:
        return self.make(values[self.start : self.end])


def _row_type(table: Table) -> Any:
    """A named tuple type with the table's column names (so rows read like ORM rows)."""
    return namedtuple(f"{table.name}_row", list(table.columns.keys()))


def _shapes(*models: type[Base]) -> list[_Shape]:
    shapes: list[_Shape] = []
    start = 0
    for model in models:
        shapes.append(_Shape(cast(Table, model.__table__), start))
        start = shapes[-1].end
    return shapes


_IMAGE, _BLOB, _ALBUM, _LOCATION, _UPLOADER = _shapes(Image, Blob, Album, Location, Principal)
_TRADE = _shapes(Trade)[0]


def _joined_rows() -> Select[Any]:
    """Each image with its blob, album, location and uploader, in that order of columns."""
    images = _IMAGE.table
    joined = (
        images.join(_BLOB.table, images.c.blob_sha256 == _BLOB.table.c.sha256)
        .join(_ALBUM.table, images.c.album_id == _ALBUM.table.c.id)
        .outerjoin(_LOCATION.table, images.c.location_id == _LOCATION.table.c.id)
        .outerjoin(_UPLOADER.table, images.c.uploader_id == _UPLOADER.table.c.id)
    )
    tables = (_IMAGE.table, _BLOB.table, _ALBUM.table, _LOCATION.table, _UPLOADER.table)
    return select(*tables).select_from(joined)


_JOINED_ROWS = _joined_rows()  # built once: every page is this with its ids and order


def image_records(session: Session, ids: Select[Any], order: Sequence[Any]) -> list[ImageRecord]:
    """The images whose ids ``ids`` selects, in ``order``, as records (two statements in all)."""
    stmt = _JOINED_ROWS.where(_IMAGE.table.c.id.in_(ids)).order_by(*order)
    rows = session.execute(stmt).all()
    trades = _trades(session, [row[0] for row in rows])
    return [_record(row, trades.get(row[0], ())) for row in rows]


def _trades_of_page(postgresql: bool) -> Select[Any]:
    """The trades of the images whose ids are bound as ``ids``, by image and trade id.

    On PostgreSQL one array parameter, so the statement text is the same for every page: psycopg
    prepares it and the server plans it once (an IN list is a new statement for each length).
    """
    tags = cast(Table, ImageTrade.__table__)
    if postgresql:
        page = tags.c.image_id == any_(bindparam("ids", type_=ARRAY(Integer)))
    else:
        page = tags.c.image_id.in_(bindparam("ids", expanding=True))
    return (
        select(tags.c.image_id, _TRADE.table)
        .join(_TRADE.table, tags.c.trade_id == _TRADE.table.c.id)
        .where(page)
        .order_by(tags.c.image_id, _TRADE.table.c.id)
    )


_TRADES_OF_PAGE = {postgresql: _trades_of_page(postgresql) for postgresql in (False, True)}


def _trades(session: Session, image_ids: list[int]) -> dict[int, tuple[records.TradeRecord, ...]]:
    """Each image's trades, ordered by id (as ``records.image_records`` orders them)."""
    if not image_ids:
        return {}
    stmt = _TRADES_OF_PAGE[session.get_bind().dialect.name == "postgresql"]
    found: dict[int, list[records.TradeRecord]] = {}
    for row in session.execute(stmt, {"ids": image_ids}):
        found.setdefault(row[0], []).append(records.trade_record(_TRADE.of(row[1:])))
    return {image_id: tuple(trades) for image_id, trades in found.items()}


def _record(row: Sequence[Any], trades: tuple[records.TradeRecord, ...]) -> ImageRecord:
    image = _IMAGE.of(row)
    location = _LOCATION.of(row) if image.location_id is not None else None
    uploader = _UPLOADER.of(row) if image.uploader_id is not None else None
    return records.image_record_of(
        image,
        album=records.album_record(_ALBUM.of(row)),
        blob=records.blob_record(_BLOB.of(row)),
        location=records.location_record(location) if location is not None else None,
        uploader=records.principal_record(uploader) if uploader is not None else None,
        trades=trades,
    )
