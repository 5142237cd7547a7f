"""The image list: one query object, every filter, sorting, paging, visibility and an index."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text, update

from darkroom.api import vocabulary
from darkroom.api.procore.syntax import parse_time_range
from darkroom.config import Settings
from darkroom.core import albums, images, locations, spaces, trades
from darkroom.core.access import Actor, Role, Scope, SpaceRole, trusted_scope
from darkroom.core.images import ImageChanges, NewImage
from darkroom.core.query import Deleted, ImageQuery, list_images
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.core.values import DateRange, SortKey, TimeRange
from darkroom.db.models import Album, Image, ImageTrade
from darkroom.errors import Invalid
from tests import images as samples
from tests.conftest import make_actor, scope_for


def _add(
    runtime: Runtime,
    scope: Scope,
    album: Album,
    seed: int,
    created: datetime | None = None,
    **fields: object,
) -> Image:
    image = images.ingest(
        runtime,
        scope,
        album,
        io.BytesIO(samples.jpeg(seed=seed)),
        NewImage(**fields),  # type: ignore[arg-type]
    )
    if created is not None:
        with runtime.transaction() as session:
            session.execute(
                update(Image)
                .where(Image.id == image.id)
                .values(created_at=created, updated_at=created)
            )
    return image


def _ids(runtime: Runtime, scope: Scope, query: ImageQuery) -> list[int]:
    with runtime.transaction() as session:
        return [image.id for image in list_images(session, scope, query).items]


@pytest.fixture
def album(runtime: Runtime, scope: Scope) -> Album:
    with runtime.transaction() as session:
        return albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)


def day(n: int) -> datetime:
    return datetime(2024, 1, n, 12, 0, tzinfo=UTC)


def test_list_default_is_newest_first(runtime: Runtime, scope: Scope, album: Album) -> None:
    a = _add(runtime, scope, album, 1, day(1))
    b = _add(runtime, scope, album, 2, day(3))
    c = _add(runtime, scope, album, 3, day(2))
    assert _ids(runtime, scope, ImageQuery()) == [b.id, c.id, a.id]


def test_list_sort_ascending_and_multi_key(runtime: Runtime, scope: Scope, album: Album) -> None:
    a = _add(runtime, scope, album, 1, day(2), name="b")
    b = _add(runtime, scope, album, 2, day(2), name="a")
    c = _add(runtime, scope, album, 3, day(1), name="c")
    sort = [SortKey("created_at", False), SortKey("name", False)]
    assert _ids(runtime, scope, ImageQuery(sort=sort)) == [c.id, b.id, a.id]


def test_list_sort_unknown_field_raises_invalid(runtime: Runtime, scope: Scope) -> None:
    with pytest.raises(Invalid):
        _ids(runtime, scope, ImageQuery(sort=[SortKey("password", False)]))


def test_list_created_range_is_inclusive_of_whole_days(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    _add(runtime, scope, album, 1, day(1))
    inside = _add(runtime, scope, album, 2, day(2))
    last = _add(runtime, scope, album, 3, datetime(2024, 1, 3, 23, 59, tzinfo=UTC))
    _add(runtime, scope, album, 4, day(4))
    span = parse_time_range("2024-01-02...2024-01-03", field="created_at")
    assert sorted(_ids(runtime, scope, ImageQuery(created=span))) == [inside.id, last.id]


def test_list_updated_single_timestamp_range_with_offsets(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    hit = _add(runtime, scope, album, 1, datetime(2024, 1, 2, 10, 0, tzinfo=UTC))
    _add(runtime, scope, album, 2, datetime(2024, 1, 2, 14, 0, tzinfo=UTC))
    span = parse_time_range("2024-01-02T11:00:00+02:00...2024-01-02T12:30:00+02:00", field="u")
    assert _ids(runtime, scope, ImageQuery(updated=span)) == [hit.id]


def test_list_log_date_range(runtime: Runtime, scope: Scope, album: Album) -> None:
    hit = _add(runtime, scope, album, 1, log_date=date(2024, 1, 2))
    _add(runtime, scope, album, 2, log_date=date(2024, 1, 9))
    _add(runtime, scope, album, 3)
    query = ImageQuery(log_date=DateRange(date(2024, 1, 1), date(2024, 1, 5)))
    assert _ids(runtime, scope, query) == [hit.id]


def test_list_private_and_starred_filters(runtime: Runtime, scope: Scope, album: Album) -> None:
    private = _add(runtime, scope, album, 1, private=True)
    starred = _add(runtime, scope, album, 2, starred=True)
    assert _ids(runtime, scope, ImageQuery(private=True)) == [private.id]
    assert _ids(runtime, scope, ImageQuery(starred=True)) == [starred.id]
    assert _ids(runtime, scope, ImageQuery(starred=False)) == [private.id]


def test_list_ids_and_album_filters(runtime: Runtime, scope: Scope, album: Album) -> None:
    with runtime.transaction() as session:
        other = albums.create(session, scope, vocabulary.PROCORE_CATEGORY, name="Other")
    a = _add(runtime, scope, album, 1)
    b = _add(runtime, scope, other, 2)
    c = _add(runtime, scope, album, 3)
    assert sorted(_ids(runtime, scope, ImageQuery(ids=[a.id, b.id]))) == [a.id, b.id]
    assert _ids(runtime, scope, ImageQuery(album_ids=[other.id])) == [b.id]
    assert sorted(_ids(runtime, scope, ImageQuery(album_ids=[album.id]))) == [a.id, c.id]


def test_list_location_with_sublocations_matches_subtree(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    with runtime.transaction() as session:
        building, _ = locations.find_or_create_path(session, scope, ["B1"])
        floor, _ = locations.find_or_create_path(session, scope, ["B1", "F2"])
        room, _ = locations.find_or_create_path(session, scope, ["B1", "F2", "R3"])
        elsewhere, _ = locations.find_or_create_path(session, scope, ["B2"])
    at_building = _add(runtime, scope, album, 1, location_id=building.id)
    at_room = _add(runtime, scope, album, 2, location_id=room.id)
    _add(runtime, scope, album, 3, location_id=elsewhere.id)
    assert _ids(runtime, scope, ImageQuery(location_ids=[building.id])) == [at_building.id]
    subtree = ImageQuery(location_ids=[building.id], include_sublocations=True)
    assert sorted(_ids(runtime, scope, subtree)) == [at_building.id, at_room.id]
    assert _ids(runtime, scope, ImageQuery(location_ids=[floor.id], include_sublocations=True)) == [
        at_room.id
    ]


def test_list_trade_filter_matches_any_trade(runtime: Runtime, scope: Scope, album: Album) -> None:
    with runtime.transaction() as session:
        t1, t2, t3 = (
            trades.create(session, scope, name) for name in ("Concrete", "Steel", "Glass")
        )
    a = _add(runtime, scope, album, 1, trade_ids=[t1.id])
    b = _add(runtime, scope, album, 2, trade_ids=[t2.id, t3.id])
    _add(runtime, scope, album, 3)
    assert sorted(_ids(runtime, scope, ImageQuery(trade_ids=[t1.id, t3.id]))) == [a.id, b.id]


def test_list_trade_filter_total_and_page_keep_every_other_filter_and_visibility(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    # On PostgreSQL the count of a trade filter starts from the tags (core/query.py): whatever
    # else filters the list must still apply to it, as to the page.
    uploader = make_actor(runtime, "uma")
    as_uploader = trusted_scope(scope.space, uploader)
    stranger = trusted_scope(scope.space, make_actor(runtime, "sam"))
    with runtime.transaction() as session:
        concrete = trades.create(session, scope, "Concrete")
    tagged = [concrete.id]
    shown = _add(runtime, as_uploader, album, 1, day(3), trade_ids=tagged)
    _add(runtime, as_uploader, album, 2, day(4), trade_ids=tagged, private=True)
    _add(runtime, as_uploader, album, 3, day(20), trade_ids=tagged)  # outside the range
    _add(runtime, as_uploader, album, 4, day(5))  # untagged
    trashed = _add(runtime, as_uploader, album, 5, day(6), trade_ids=tagged)
    with runtime.transaction() as session:
        images.trash(session, as_uploader, session.get_one(Image, trashed.id))
    query = ImageQuery(trade_ids=tagged, created=TimeRange(day(1), day(9)))

    with runtime.transaction() as session:
        page = list_images(session, stranger, query)
        trash = list_images(session, stranger, replace(query, deleted=Deleted.ONLY))

    assert ([image.id for image in page.items], page.total) == ([shown.id], 1)
    assert ([image.id for image in trash.items], trash.total) == ([trashed.id], 1)


def test_list_trade_filter_keeps_to_the_project_of_a_company_trade(
    runtime: Runtime, admin: Actor
) -> None:
    # A company's trade tags images of all its projects; each tag row carries its image's space.
    with runtime.transaction() as session:
        company = spaces.ensure(session, vocabulary.PROCORE_COMPANY, "c1")
        east = spaces.ensure(session, vocabulary.PROCORE_PROJECT, "p1", parent=company)
        west = spaces.ensure(session, vocabulary.PROCORE_PROJECT, "p2", parent=company)
        concrete, steel = (
            trades.create(session, trusted_scope(company, admin), name)
            for name in ("Concrete", "Steel")
        )
    in_east, in_west = trusted_scope(east, admin), trusted_scope(west, admin)
    with runtime.transaction() as session:
        east_album = albums.ensure(session, in_east, vocabulary.PROCORE_CATEGORY)
        west_album = albums.ensure(session, in_west, vocabulary.PROCORE_CATEGORY)
    a = _add(runtime, in_east, east_album, 1, trade_ids=[concrete.id])
    b = _add(runtime, in_west, west_album, 2, trade_ids=[concrete.id])
    with runtime.transaction() as session:
        images.update(
            session,
            in_west,
            session.get_one(Image, b.id),
            ImageChanges(trade_ids=[concrete.id, steel.id]),
        )
    with runtime.transaction() as session:
        tags = session.execute(select(ImageTrade.image_id, ImageTrade.space_id)).all()
        east_page = list_images(session, in_east, ImageQuery(trade_ids=[concrete.id]))
        west_page = list_images(session, in_west, ImageQuery(trade_ids=[concrete.id, steel.id]))
    assert sorted(tags) == [(a.id, east.id), (b.id, west.id), (b.id, west.id)]
    assert ([i.id for i in east_page.items], east_page.total) == ([a.id], 1)
    assert ([i.id for i in west_page.items], west_page.total) == ([b.id], 1)


def test_list_of_one_trade_read_from_its_tags_matches_the_list_through_the_images(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    # One trade is counted and paged from its tags' copies (core/trade_list.py); a second trade
    # that tags nothing sends the same query through the images. Both must agree, filter by filter.
    member = trusted_scope(scope.space, make_actor(runtime, "mo"))
    with runtime.transaction() as session:
        concrete, unused = (trades.create(session, scope, n) for n in ("Concrete", "Unused"))
        floor, _ = locations.find_or_create_path(session, scope, ["B1", "F1"])
        other = albums.create(session, scope, vocabulary.PROCORE_CATEGORY, name="Other")
    soon = datetime.now(UTC) + timedelta(hours=1)
    made = [
        _add(runtime, scope, album, 1, day(2), trade_ids=[concrete.id]),
        _add(runtime, scope, album, 2, day(3), trade_ids=[concrete.id], starred=True),
        _add(runtime, scope, album, 3, day(4), trade_ids=[concrete.id], private=True),
        _add(runtime, member, other, 4, day(5), trade_ids=[concrete.id], private=True),
        _add(runtime, scope, album, 5, day(6), trade_ids=[concrete.id], location_id=floor.id),
        _add(runtime, scope, album, 6, day(6), trade_ids=[concrete.id], expires_at=soon),
        _add(runtime, scope, album, 7, day(7), trade_ids=[concrete.id]),
        _add(runtime, scope, album, 8, day(8)),
    ]
    with runtime.transaction() as session:
        images.trash(session, scope, session.get_one(Image, made[6].id))
    newest, oldest = [SortKey("created_at", True)], [SortKey("created_at", False)]
    queries = [
        ImageQuery(),
        ImageQuery(sort=oldest),
        ImageQuery(sort=[SortKey("name", False)]),
        ImageQuery(created=TimeRange(day(3), day(6)), sort=newest),
        ImageQuery(starred=True),
        ImageQuery(private=False),
        ImageQuery(location_ids=[floor.id]),
        ImageQuery(album_ids=[other.id]),
        ImageQuery(deleted=Deleted.ONLY),
        ImageQuery(deleted=Deleted.WITH),
        ImageQuery(offset=2, limit=2),
        ImageQuery(offset=1, limit=3, sort=oldest),
    ]
    for base in queries:
        for who in (scope, member):
            with runtime.transaction() as session:
                one = list_images(session, who, replace(base, trade_ids=[concrete.id]))
                via_images = list_images(
                    session, who, replace(base, trade_ids=[concrete.id, unused.id])
                )
            assert ([i.id for i in one.items], one.total) == (
                [i.id for i in via_images.items],
                via_images.total,
            ), base


def test_list_text_query_searches_name_description_album_and_location(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    with runtime.transaction() as session:
        roof = albums.create(session, scope, vocabulary.PROCORE_CATEGORY, name="Roof works")
        lobby, _ = locations.find_or_create_path(session, scope, ["Main", "Lobby"])
    by_name = _add(runtime, scope, album, 1, name="CRACK_01.jpg")
    by_description = _add(runtime, scope, album, 2, description="a crack in the wall")
    by_album = _add(runtime, scope, roof, 3)
    by_location = _add(runtime, scope, album, 4, location_id=lobby.id)
    _add(runtime, scope, album, 5, name="other.jpg")
    assert sorted(_ids(runtime, scope, ImageQuery(text="crack"))) == [by_name.id, by_description.id]
    assert _ids(runtime, scope, ImageQuery(text="ROOF")) == [by_album.id]
    assert _ids(runtime, scope, ImageQuery(text="lobby")) == [by_location.id]
    assert _ids(runtime, scope, ImageQuery(text="%")) == []


def test_list_deleted_filter_exclude_with_only(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    live = _add(runtime, scope, album, 1)
    gone = _add(runtime, scope, album, 2)
    with runtime.transaction() as session:
        images.trash(session, scope, session.get_one(Image, gone.id))
    assert _ids(runtime, scope, ImageQuery()) == [live.id]
    assert _ids(runtime, scope, ImageQuery(deleted=Deleted.ONLY)) == [gone.id]
    assert sorted(_ids(runtime, scope, ImageQuery(deleted=Deleted.WITH))) == [live.id, gone.id]


def test_list_paging_offset_limit_and_total(runtime: Runtime, scope: Scope, album: Album) -> None:
    made = [_add(runtime, scope, album, seed, day(seed)) for seed in range(1, 6)]
    with runtime.transaction() as session:
        page = list_images(session, scope, ImageQuery(offset=2, limit=2))
    assert page.total == 5
    assert [image.id for image in page.items] == [made[2].id, made[1].id]


def test_list_never_shows_other_spaces(runtime: Runtime, scope: Scope, album: Album) -> None:
    mine = _add(runtime, scope, album, 1)
    other_scope = scope_for(runtime, scope.actor, "acct2")
    with runtime.transaction() as session:
        other_album = albums.ensure(session, other_scope, vocabulary.PROCORE_CATEGORY)
    _add(runtime, other_scope, other_album, 2)
    assert _ids(runtime, scope, ImageQuery()) == [mine.id]


def test_list_private_images_shown_to_uploader_and_managers_only(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    uploader = make_actor(runtime, "uma")
    stranger = make_actor(runtime, "sam")
    manager = make_actor(runtime, "max")
    as_uploader = trusted_scope(scope.space, uploader)
    private = _add(runtime, as_uploader, album, 1, private=True)
    public = _add(runtime, as_uploader, album, 2)

    def seen_by(actor: Actor) -> list[int]:
        role = SpaceRole.MANAGER if actor is manager else SpaceRole.MEMBER
        return sorted(_ids(runtime, trusted_scope(scope.space, actor, role), ImageQuery()))

    assert seen_by(uploader) == [private.id, public.id]
    assert seen_by(manager) == [private.id, public.id]
    assert seen_by(stranger) == [public.id]


def test_list_expired_temp_images_are_hidden(runtime: Runtime, scope: Scope, album: Album) -> None:
    live = _add(runtime, scope, album, 1)
    _add(runtime, scope, album, 2, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert _ids(runtime, scope, ImageQuery()) == [live.id]


def test_list_main_filtered_query_uses_an_index_on_sqlite(
    tmp_path: Path, sqlite_template: Path
) -> None:
    # A plan question, so SQLite only: PostgreSQL's plans depend on table statistics.
    from darkroom.core.query import _filtered, _order

    database = tmp_path / "plan.db"
    shutil.copy(sqlite_template, database)
    runtime = open_runtime(Settings(data_dir=tmp_path, database_url=f"sqlite:///{database}"))
    scope = scope_for(runtime, make_actor(runtime, "planner", Role.MEMBER))
    query = ImageQuery(created=TimeRange(day(1), day(9)), starred=True)
    with runtime.transaction() as session:
        stmt = _filtered(session, scope, query).order_by(*_order(query.sort)).limit(100)
        compiled = stmt.compile(runtime.engine, compile_kwargs={"literal_binds": True})
        plan = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    runtime.close()
    details = " ".join(str(row[-1]) for row in plan)
    assert "USING INDEX ix_images_space" in details, details
    assert "SCAN images" not in details.replace("USING INDEX", "")


def _list_plans(
    runtime: Runtime, scope: Scope, query: ImageQuery, tables: tuple[str, ...] = ("images",)
) -> list[str]:
    """The plan of each statement from ``tables`` that ``list_images`` runs: the count, the
    page."""
    statements: list[tuple[str, Any]] = []

    def capture(_c: object, _cur: object, statement: str, parameters: Any, *_: object) -> None:
        if any(f"FROM {table}\n" in statement or f"FROM {table} " in statement for table in tables):
            statements.append((statement, parameters))

    event.listen(runtime.engine, "before_cursor_execute", capture)
    try:
        with runtime.transaction() as session:
            list_images(session, scope, query)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", capture)
    plans = []
    with runtime.engine.connect() as connection:
        for sql, parameters in statements:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
            plans.append(" ".join(str(row[-1]) for row in rows))
    return plans


@pytest.fixture
def plan_runtime(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    # Plan questions, so SQLite only: PostgreSQL's plans depend on table statistics. SQLite has
    # none either (darkroom never runs ANALYZE), so an empty database plans like a full one.
    database = tmp_path / "plan.db"
    shutil.copy(sqlite_template, database)
    runtime = open_runtime(Settings(data_dir=tmp_path, database_url=f"sqlite:///{database}"))
    yield runtime
    runtime.close()


def test_list_trades_filter_plan_starts_from_the_projects_tags(plan_runtime: Runtime) -> None:
    scope = scope_for(plan_runtime, make_actor(plan_runtime, "planner", Role.MEMBER))
    count, page = _list_plans(plan_runtime, scope, ImageQuery(trade_ids=[1, 2]))
    tags = "SEARCH image_trades USING COVERING INDEX ix_image_trades_listed"
    # The count visits every tagged image of the project, looking each up by id in an index.
    assert tags in count, count
    assert "USING COVERING INDEX ix_images_space_id (space_id=? AND id=?" in count, count
    # The page walks the project newest first until it has a page of tagged images.
    assert tags in page, page
    assert "USING COVERING INDEX ix_images_space_created (space_id=?)" in page, page
    assert "SCAN images" not in count + page


def test_list_one_trade_plan_reads_the_trades_tags_alone(plan_runtime: Runtime) -> None:
    scope = scope_for(plan_runtime, make_actor(plan_runtime, "planner", Role.MEMBER))
    query = ImageQuery(trade_ids=[1], created=TimeRange(day(1), day(9)), starred=True)
    count, page = _list_plans(plan_runtime, scope, query, ("images", "image_trades"))
    tags = (
        "SEARCH image_trades USING COVERING INDEX ix_image_trades_listed "
        "(trade_id=? AND space_id=? AND created_at>? AND created_at<?)"
    )
    # The count reads one range of the tags' index, never the images.
    assert tags in count and "images" not in count.replace("image_trades", ""), count
    # The page reads the same range newest first (no sort of the tags: the one sort is of the
    # page's rows, by the outer ORDER BY), then its images by id.
    assert tags in page and page.count("TEMP B-TREE") == 1, page
    assert page.endswith("USE TEMP B-TREE FOR ORDER BY"), page
    assert "SEARCH images USING INTEGER PRIMARY KEY (rowid=?)" in page, page
    assert "ix_images_space" not in page and "SCAN" not in count + page


def test_list_location_filter_plan_uses_the_location_index(plan_runtime: Runtime) -> None:
    scope = scope_for(plan_runtime, make_actor(plan_runtime, "planner", Role.MEMBER))
    with plan_runtime.transaction() as session:
        building, _ = locations.find_or_create_path(session, scope, ["B1"])
        locations.find_or_create_path(session, scope, ["B1", "F1"])
    query = ImageQuery(
        location_ids=[building.id], include_sublocations=True, created=TimeRange(day(1), day(9))
    )
    count, page = _list_plans(plan_runtime, scope, query)
    # Both read the subtree's index entries only, never a project-wide index.
    assert "SEARCH images USING COVERING INDEX ix_images_location (location_id=?" in count, count
    assert "SEARCH images USING COVERING INDEX ix_images_location (location_id=?" in page, page
    assert "ix_images_space" not in count + page
    assert "SCAN images" not in count + page


def test_list_created_and_starred_plan_reads_the_index_alone(plan_runtime: Runtime) -> None:
    scope = scope_for(plan_runtime, make_actor(plan_runtime, "planner", Role.MEMBER))
    query = ImageQuery(created=TimeRange(day(1), day(9)), starred=True)
    count, page = _list_plans(plan_runtime, scope, query)
    covering = (
        "SEARCH images USING COVERING INDEX ix_images_space_created (space_id=? AND created_at>?"
    )
    assert covering in count, count
    assert covering in page, page
    # Only the page's rows are read from the table, by id.
    assert "SEARCH images USING INTEGER PRIMARY KEY (rowid=?)" in page, page
    assert "SCAN images" not in count + page
