"""Trade tags carry their image's list columns, in step after every kind of change (migration
0010's triggers), on SQLite and PostgreSQL: the one-trade list reads them alone."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from darkroom.api import vocabulary
from darkroom.core import albums, images, locations, spaces, trades
from darkroom.core.access import Scope
from darkroom.core.images import ImageChanges, NewImage
from darkroom.core.runtime import Runtime
from darkroom.db.models import Album, Image, ImageTrade
from tests import images as samples

COPIED = (
    "space_id",
    "album_id",
    "created_at",
    "deleted_at",
    "expires_at",
    "private",
    "uploader_id",
    "starred",
    "location_id",
)


@pytest.fixture
def album(runtime: Runtime, scope: Scope) -> Album:
    with runtime.transaction() as session:
        return albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)


@pytest.fixture
def trade_ids(runtime: Runtime, scope: Scope) -> list[int]:
    with runtime.transaction() as session:
        return [trades.create(session, scope, name).id for name in ("Concrete", "Steel")]


def _tagged(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int], **fields: Any
) -> int:
    data = io.BytesIO(samples.jpeg(seed=len(fields) + 7))
    new = NewImage(trade_ids=trade_ids, **fields)
    return images.ingest(runtime, scope, album, data, new).id


def _image_values(runtime: Runtime, image_id: int) -> tuple[Any, ...]:
    with runtime.reading() as session:
        columns = [getattr(Image, name) for name in COPIED]
        return tuple(session.execute(select(*columns).where(Image.id == image_id)).one())


def _tag_values(runtime: Runtime, image_id: int) -> list[tuple[Any, ...]]:
    """Each tag's copies, one tuple per tag (by trade)."""
    with runtime.reading() as session:
        columns = [getattr(ImageTrade, name) for name in COPIED]
        stmt = select(*columns).where(ImageTrade.image_id == image_id)
        return [tuple(row) for row in session.execute(stmt.order_by(ImageTrade.trade_id))]


def _in_step(runtime: Runtime, image_id: int) -> bool:
    tags = _tag_values(runtime, image_id)
    return bool(tags) and all(tag == _image_values(runtime, image_id) for tag in tags)


def test_a_new_tag_copies_its_images_list_columns(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int]
) -> None:
    image_id = _tagged(runtime, scope, album, trade_ids, private=True, starred=True)
    assert len(_tag_values(runtime, image_id)) == 2
    assert _in_step(runtime, image_id)
    assert _tag_values(runtime, image_id)[0][COPIED.index("private")] is True


def test_a_tag_added_later_copies_the_images_current_values(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int]
) -> None:
    image_id = _tagged(runtime, scope, album, trade_ids[:1])
    with runtime.transaction() as session:
        image = session.get_one(Image, image_id)
        images.update(session, scope, image, ImageChanges(starred=True))
    with runtime.transaction() as session:
        image = session.get_one(Image, image_id)
        images.update(session, scope, image, ImageChanges(trade_ids=trade_ids))
    assert len(_tag_values(runtime, image_id)) == 2
    assert _in_step(runtime, image_id)


def test_tags_follow_a_trash_and_a_restore(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int]
) -> None:
    image_id = _tagged(runtime, scope, album, trade_ids)
    with runtime.transaction() as session:
        images.trash(session, scope, session.get_one(Image, image_id))
    assert _in_step(runtime, image_id)
    assert _tag_values(runtime, image_id)[0][COPIED.index("deleted_at")] is not None
    with runtime.transaction() as session:
        images.restore(session, scope, session.get_one(Image, image_id), fallback=album)
    assert _in_step(runtime, image_id)
    assert _tag_values(runtime, image_id)[0][COPIED.index("deleted_at")] is None


def test_tags_follow_an_album_trashed_with_its_images_in_one_statement(
    runtime: Runtime, scope: Scope, trade_ids: list[int]
) -> None:
    with runtime.transaction() as session:
        gallery = albums.create(session, scope, vocabulary.PROCORE_CATEGORY, name="Gallery")
    image_id = _tagged(runtime, scope, gallery, trade_ids)
    with runtime.transaction() as session:
        albums.delete(session, scope, session.get_one(Album, gallery.id))
    assert _in_step(runtime, image_id)
    assert _tag_values(runtime, image_id)[0][COPIED.index("deleted_at")] is not None


def test_tags_follow_a_privacy_and_a_star_change(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int]
) -> None:
    image_id = _tagged(runtime, scope, album, trade_ids)
    with runtime.transaction() as session:
        image = session.get_one(Image, image_id)
        images.update(session, scope, image, ImageChanges(private=True, starred=True))
    assert _in_step(runtime, image_id)
    assert _tag_values(runtime, image_id)[0][COPIED.index("private")] is True


def test_tags_follow_an_expiry_set_and_cleared(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int]
) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    image_id = _tagged(runtime, scope, album, trade_ids, expires_at=soon)
    assert _in_step(runtime, image_id)
    assert _tag_values(runtime, image_id)[0][COPIED.index("expires_at")] is not None
    with runtime.transaction() as session:
        gallery = albums.create(session, scope, vocabulary.PROCORE_CATEGORY, name="Kept")
    with runtime.transaction() as session:  # a temporary image put into an album stops expiring
        images.move(session, scope, session.get_one(Image, image_id), gallery)
    assert _in_step(runtime, image_id)
    tag = _tag_values(runtime, image_id)[0]
    assert (tag[COPIED.index("expires_at")], tag[COPIED.index("album_id")]) == (None, gallery.id)


def test_tags_follow_a_move_to_another_location_and_album(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int]
) -> None:
    image_id = _tagged(runtime, scope, album, trade_ids)
    with runtime.transaction() as session:
        floor, _ = locations.find_or_create_path(session, scope, ["B1", "F1"])
        gallery = albums.create(session, scope, vocabulary.PROCORE_CATEGORY, name="Moved")
    with runtime.transaction() as session:
        image = session.get_one(Image, image_id)
        changes = ImageChanges(location_id=floor.id, album_id=gallery.id)
        images.update(session, scope, image, changes)
    assert _in_step(runtime, image_id)
    assert _tag_values(runtime, image_id)[0][COPIED.index("location_id")] == floor.id


def test_tags_follow_a_move_to_another_space(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int]
) -> None:
    image_id = _tagged(runtime, scope, album, trade_ids)
    with runtime.transaction() as session:
        other = spaces.ensure(session, vocabulary.PROCORE_PROJECT, "elsewhere")
        images.rehome(session.get_one(Image, image_id), other)
    assert _in_step(runtime, image_id)
    assert _tag_values(runtime, image_id)[0][COPIED.index("space_id")] == other.id


def test_tags_follow_a_change_written_straight_to_the_images_table(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int]
) -> None:
    image_id = _tagged(runtime, scope, album, trade_ids)
    created = datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC)
    with runtime.transaction() as session:
        session.execute(update(Image).where(Image.id == image_id).values(created_at=created))
    assert _in_step(runtime, image_id)
    assert _tag_values(runtime, image_id)[0][COPIED.index("created_at")] == created


def test_a_write_to_a_tag_cannot_make_its_copies_differ(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int]
) -> None:
    image_id = _tagged(runtime, scope, album, trade_ids)
    with runtime.transaction() as session:
        session.execute(
            update(ImageTrade).where(ImageTrade.image_id == image_id).values(private=True)
        )
    assert _in_step(runtime, image_id)
    assert _tag_values(runtime, image_id)[0][COPIED.index("private")] is False


def test_tags_stay_in_step_when_the_content_is_replaced(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int]
) -> None:
    image_id = _tagged(runtime, scope, album, trade_ids, starred=True)
    images.replace_content(runtime, scope, image_id, io.BytesIO(samples.jpeg(seed=99)))
    assert _in_step(runtime, image_id)


def test_tags_go_with_a_deleted_image(
    runtime: Runtime, scope: Scope, album: Album, trade_ids: list[int]
) -> None:
    image_id = _tagged(runtime, scope, album, trade_ids)
    images.purge(runtime, scope, image_id)
    assert _tag_values(runtime, image_id) == []
