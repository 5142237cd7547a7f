"""A page of images read as plain rows and made into records, without the ORM.

The image list is the busiest read of every door. Loading its 100 images through the ORM (the
identity map, a relationship loader per relation, an object per row) cost more than all of the
list's SQL at 1,000,000 images (docs/benchmarks.md, "List"). So a page is one joined statement,
each image with its blob, plus one statement each for the page's albums, locations, uploaders and
trades; the rows are sliced per table into named tuples that the record builders read like ORM
rows, and each album, location, uploader and trade is made into a record once per page.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import ARRAY, Connection, Integer, Select, Table, any_, bindparam, select
from sqlalchemy.orm import Session

from darkroom.core import records
from darkroom.core.records import ImageRecord
from darkroom.db.models import Album, Base, Blob, Image, ImageTrade, Location, Principal, Trade

_Record = TypeVar("_Record")


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


_IMAGE, _BLOB = _shapes(Image, Blob)
_ALBUM, _LOCATION, _UPLOADER, _TRADE = (
    _shapes(model)[0] for model in (Album, Location, Principal, Trade)
)

# Each image with its blob, in that order of columns; built once, every page adds its ids and
# order. Albums, locations and uploaders are not joined: a page holds a handful of each, and
# reading them once per page costs less than converting their columns on every row.
_IMAGES_WITH_BLOBS = select(_IMAGE.table, _BLOB.table).select_from(
    _IMAGE.table.join(_BLOB.table, _IMAGE.table.c.blob_sha256 == _BLOB.table.c.sha256)
)


def image_records(session: Session, ids: Select[Any], order: Sequence[Any]) -> list[ImageRecord]:
    """The images whose ids ``ids`` selects, in ``order``, as records.

    On the session's connection, not through the session: these are table rows, and the ORM's
    result machinery (made for entities) cost more than the statements themselves.
    """
    connection = session.connection()
    rows = connection.execute(
        _IMAGES_WITH_BLOBS.where(_IMAGE.table.c.id.in_(ids)).order_by(*order)
    ).all()
    if not rows:
        return []
    images = [_IMAGE.of(row) for row in rows]
    albums = _records_by_id(
        connection, _ALBUM, {image.album_id for image in images}, records.album_record
    )
    locations = _records_by_id(
        connection, _LOCATION, {image.location_id for image in images}, records.location_record
    )
    uploaders = _records_by_id(
        connection, _UPLOADER, {image.uploader_id for image in images}, records.principal_record
    )
    trades = _trades(connection, [image.id for image in images])
    return [
        records.image_record_of(
            image,
            album=albums[image.album_id],
            blob=records.blob_record(_BLOB.of(row)),
            location=locations.get(image.location_id),
            uploader=uploaders.get(image.uploader_id),
            trades=trades.get(image.id, ()),
        )
        for image, row in zip(images, rows, strict=True)
    ]


def _in_ids(column: Any, postgresql: bool) -> Any:
    """``column`` among the ids bound as ``ids``. On PostgreSQL one array parameter, so the
    statement text is the same for every page: psycopg prepares it and the server plans it once
    (an IN list is a new statement for each length)."""
    if postgresql:
        return column == any_(bindparam("ids", type_=ARRAY(Integer)))
    return column.in_(bindparam("ids", expanding=True))


def _rows_by_id(shape: _Shape, postgresql: bool) -> Select[Any]:
    return select(shape.table).where(_in_ids(shape.table.c.id, postgresql))


def _trades_of_images(postgresql: bool) -> Select[Any]:
    tags = cast(Table, ImageTrade.__table__)
    return (
        select(tags.c.image_id, _TRADE.table)
        .join(_TRADE.table, tags.c.trade_id == _TRADE.table.c.id)
        .where(_in_ids(tags.c.image_id, postgresql))
        .order_by(tags.c.image_id, _TRADE.table.c.id)
    )


# Built once per database kind (statement building and its cache key cost as much as reading).
_BY_ID = {
    (shape.table.name, postgresql): _rows_by_id(shape, postgresql)
    for shape in (_ALBUM, _LOCATION, _UPLOADER)
    for postgresql in (False, True)
}
_TRADES_OF_IMAGES = {postgresql: _trades_of_images(postgresql) for postgresql in (False, True)}


def _on_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def _records_by_id(
    connection: Connection, shape: _Shape, ids: set[Any], make: Callable[[Any], _Record]
) -> dict[int, _Record]:
    """The rows of ``shape``'s table with ``ids`` (None left out), made into records by id."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    stmt = _BY_ID[shape.table.name, _on_postgresql(connection)]
    return {row[0]: make(shape.of(row)) for row in connection.execute(stmt, {"ids": wanted})}


def _trades(
    connection: Connection, image_ids: list[int]
) -> dict[int, tuple[records.TradeRecord, ...]]:
    """Each image's trades, ordered by id (as ``records.image_records`` orders them)."""
    stmt = _TRADES_OF_IMAGES[_on_postgresql(connection)]
    found: dict[int, list[records.TradeRecord]] = {}
    made: dict[int, records.TradeRecord] = {}  # a company has few trades: each made once
    for row in connection.execute(stmt, {"ids": image_ids}):
        trade = made.get(row[1])
        if trade is None:
            trade = made[row[1]] = records.trade_record(_TRADE.of(row[1:]))
        found.setdefault(row[0], []).append(trade)
    return {image_id: tuple(trades) for image_id, trades in found.items()}
