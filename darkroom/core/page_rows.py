"""A page of images read as plain rows and made into records, without the ORM.

The image list is the busiest read of every door. Loading its 100 images through the ORM (the
identity map, a relationship loader per relation, an object per row) cost more than all of the
list's SQL at 1,000,000 images (docs/benchmarks.md, "List"). So a page is one joined statement,
each image with its blob and the page's total, then one round trip for the statements of the
page's albums, locations, uploaders, tags and trades (``core.fixed_reads``); the rows are sliced
per table into named tuples that the record builders read like ORM rows, and each album,
location, uploader and trade is made into a record once per page.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Select, Table, select
from sqlalchemy.orm import Session

from darkroom.core import fixed_reads, records
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


def image_page(
    session: Session, ids: Select[Any], order: Sequence[Any], count: Select[int]
) -> tuple[list[ImageRecord], int]:
    """The images whose ids ``ids`` selects, in ``order``, as records; and ``count``'s value.

    On the session's connection, not through the session: these are table rows, and the ORM's
    result machinery (made for entities) cost more than the statements themselves. The count
    rides along as a column of the page's rows (an uncorrelated subquery, computed once), so
    the page and its total take one statement; a page past the end has no row to carry it and
    counts alone. The page's albums, locations, uploaders and trades then take one more round
    trip together (``core.fixed_reads``).
    """
    connection = session.connection()
    total = count.scalar_subquery().label("total")
    stmt = _IMAGES_WITH_BLOBS.add_columns(total).where(_IMAGE.table.c.id.in_(ids)).order_by(*order)
    rows = connection.execute(stmt).all()
    if not rows:
        return [], connection.scalar(count) or 0
    images = [_IMAGE.of(row) for row in rows]
    postgresql = _on_postgresql(connection)
    album_ids, location_ids, uploader_ids = (
        [i for i in {getattr(image, column) for image in images} if i is not None]
        for column in ("album_id", "location_id", "uploader_id")
    )
    lookups = [
        (_BY_ID[shape.table.name, postgresql], {"ids": ids})
        for shape, ids in (
            (_ALBUM, album_ids),
            (_LOCATION, location_ids),
            (_UPLOADER, uploader_ids),
        )
        if ids
    ]
    image_ids = {"ids": [image.id for image in images]}
    tags = [(_TAGS_OF_IMAGES[postgresql], image_ids), (_TRADES_OF_IMAGES[postgresql], image_ids)]
    found = iter(fixed_reads.run_all(connection, [*lookups, *tags]))

    def rows_of(ids: list[int]) -> list[fixed_reads.Row]:  # in the order of ``lookups``
        return next(found) if ids else []

    albums = _records_by_id(_ALBUM, rows_of(album_ids), records.album_record)
    locations = _records_by_id(_LOCATION, rows_of(location_ids), records.location_record)
    uploaders = _records_by_id(_UPLOADER, rows_of(uploader_ids), records.principal_record)
    trades = _trades(next(found), next(found))
    items = [
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
    return items, rows[0][-1]


def _rows_by_id(shape: _Shape, postgresql: bool) -> fixed_reads.FixedRead:
    return fixed_reads.FixedRead(
        select(shape.table).where(fixed_reads.among(shape.table.c.id, postgresql))
    )


def _tags_of_images(postgresql: bool) -> fixed_reads.FixedRead:
    tags = cast(Table, ImageTrade.__table__)
    return fixed_reads.FixedRead(
        select(tags.c.image_id, tags.c.trade_id)
        .where(fixed_reads.among(tags.c.image_id, postgresql))
        .order_by(tags.c.image_id, tags.c.trade_id)
    )


def _trades_of_images(postgresql: bool) -> fixed_reads.FixedRead:
    """The trades tagging the images: each once, however many images it tags (a page's 130 tags
    name a few of a company's trades, and each row of a trade converts its timestamps)."""
    tags = cast(Table, ImageTrade.__table__)
    tagging = select(tags.c.trade_id).where(fixed_reads.among(tags.c.image_id, postgresql))
    return fixed_reads.FixedRead(select(_TRADE.table).where(_TRADE.table.c.id.in_(tagging)))


# Built once per database kind (statement building and its cache key cost as much as reading).
_BY_ID = {
    (shape.table.name, postgresql): _rows_by_id(shape, postgresql)
    for shape in (_ALBUM, _LOCATION, _UPLOADER)
    for postgresql in (False, True)
}
_TAGS_OF_IMAGES = {postgresql: _tags_of_images(postgresql) for postgresql in (False, True)}
_TRADES_OF_IMAGES = {postgresql: _trades_of_images(postgresql) for postgresql in (False, True)}


def _on_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def _records_by_id(
    shape: _Shape, rows: list[fixed_reads.Row], make: Callable[[Any], _Record]
) -> dict[int, _Record]:
    """``shape``'s rows made into records, by id."""
    return {row[0]: make(shape.of(row)) for row in rows}


def _trades(
    tags: list[fixed_reads.Row], trade_rows: list[fixed_reads.Row]
) -> dict[int, tuple[records.TradeRecord, ...]]:
    """Each image's trades from its tags, (image id, trade id) ordered by both, and the rows of
    the trades they name: ordered by id (as ``records.image_records`` orders them)."""
    made = {row[0]: records.trade_record(_TRADE.of(row)) for row in trade_rows}
    found: dict[int, list[records.TradeRecord]] = {}
    for image_id, trade_id in tags:
        found.setdefault(image_id, []).append(made[trade_id])
    return {image_id: tuple(trades) for image_id, trades in found.items()}
