"""A list page read as rows (core.page_rows) holds exactly what the ORM's records would."""

from __future__ import annotations

import io

from sqlalchemy import event

from darkroom.api import vocabulary
from darkroom.core import albums, images, locations, records, trades
from darkroom.core.access import Scope
from darkroom.core.images import NewImage
from darkroom.core.query import ImageQuery, find_images, list_images
from darkroom.core.runtime import Runtime
from darkroom.core.values import SortKey
from tests import images as samples


def _orm_records(
    runtime: Runtime, scope: Scope, query: ImageQuery
) -> tuple[records.ImageRecord, ...]:
    with runtime.reading() as session:
        return records.image_records(session, list_images(session, scope, query).items)


def _fill(runtime: Runtime, scope: Scope) -> None:
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
        floor, _ = locations.find_or_create_path(session, scope, ["B1", "F2"])
        steel, concrete = (trades.create(session, scope, name) for name in ("Steel", "Concrete"))
    placed = NewImage(
        name="placed.jpg",
        description="with everything",
        private=True,
        starred=True,
        location_id=floor.id,
        trade_ids=[concrete.id, steel.id],
        extras={"note": ["kept"]},
    )
    for seed, new in enumerate((placed, NewImage(name="bare.jpg"), NewImage(trade_ids=[steel.id]))):
        images.ingest(runtime, scope, album, io.BytesIO(samples.jpeg(seed=seed)), new)


def test_page_read_from_rows_equals_the_orm_records(runtime: Runtime, scope: Scope) -> None:
    _fill(runtime, scope)
    query = ImageQuery()
    page = find_images(runtime, scope, query)
    assert page.total == 3
    assert page.items == _orm_records(runtime, scope, query)
    placed = next(item for item in page.items if item.name == "placed.jpg")
    assert placed.location is not None and placed.location.path == "B1 > F2"
    assert [trade.name for trade in placed.trades] == ["Steel", "Concrete"]  # by id
    assert placed.uploader is not None and placed.uploader.id == scope.actor.principal_id


def test_page_read_from_rows_keeps_the_order_asked_for(runtime: Runtime, scope: Scope) -> None:
    _fill(runtime, scope)
    query = ImageQuery(sort=(SortKey("name", descending=False),))
    names = [item.name for item in find_images(runtime, scope, query).items]
    assert names == sorted(names)
    assert names == [item.name for item in _orm_records(runtime, scope, query)]


def test_an_empty_page_reads_no_trades(runtime: Runtime, scope: Scope) -> None:
    _fill(runtime, scope)
    page = find_images(runtime, scope, ImageQuery(offset=10))
    assert page.items == () and page.total == 3


def test_page_read_from_rows_carries_camera_facts_and_placeholder(
    runtime: Runtime, scope: Scope
) -> None:
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    data = samples.jpeg_with_exif({"exif-ifd0-Model": "X100VI", "exif-ifd2-LensModel": "23mm"})
    images.ingest(runtime, scope, album, io.BytesIO(data), NewImage())
    (item,) = find_images(runtime, scope, ImageQuery()).items
    assert (item.blob.camera_model, item.blob.lens) == ("X100VI", "23mm")
    assert item.placeholder is not None and item.placeholder == item.blob.placeholder
    assert (item,) == _orm_records(runtime, scope, ImageQuery())


def test_a_page_sends_its_total_with_its_rows_and_its_lookups_where_listeners_see_them(
    runtime: Runtime, scope: Scope
) -> None:
    # On PostgreSQL the lookups go in one pipeline on the driver's connection (core.fixed_reads);
    # the engine's statement listeners (round-trip counts) must still see each of them.
    _fill(runtime, scope)
    sent: list[str] = []

    def note(_c: object, _cur: object, statement: str, *_: object) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(runtime.engine, "before_cursor_execute", note)
    try:
        page = find_images(runtime, scope, ImageQuery())
    finally:
        event.remove(runtime.engine, "before_cursor_execute", note)
    assert page.total == 3
    reads = [statement.split(" WHERE ")[0] for statement in sent if statement.startswith("SELECT")]
    assert not any(read.startswith("SELECT count(*)") for read in reads), reads  # rides along
    for table in ("albums", "locations", "principals", "image_trades", "trades"):
        assert any(read.endswith(f"FROM {table}") for read in reads), (table, reads)
