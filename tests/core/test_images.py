"""Finding, changing, ordering, trashing, restoring and purging images inside a scope."""

from __future__ import annotations

import io
from datetime import date

import pytest

from darkroom.api import vocabulary
from darkroom.core import albums, images, locations, trades
from darkroom.core.access import Scope, SpaceRole, trusted_scope
from darkroom.core.blobs import blob_key
from darkroom.core.images import ImageChanges, NewImage
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.runtime import Runtime
from darkroom.db.models import Album, Blob, Image
from darkroom.errors import Duplicate, Invalid, LimitExceeded, NotFound
from tests import images as samples
from tests.conftest import make_actor, scope_for


@pytest.fixture
def album(runtime: Runtime, scope: Scope) -> Album:
    with runtime.transaction() as session:
        return albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)


def _add(runtime: Runtime, scope: Scope, album: Album, seed: int = 1, **fields: object) -> Image:
    data = io.BytesIO(samples.jpeg(seed=seed))
    return images.ingest(runtime, scope, album, data, NewImage(**fields))  # type: ignore[arg-type]


def test_get_by_each_identifier_returns_the_image(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    image = _add(runtime, scope, album)
    with runtime.transaction() as session:
        assert images.get(session, scope, image.id).id == image.id
        assert images.get_by_uuid(session, scope, image.uuid).id == image.id
        assert images.get_public(session, image.public_id).id == image.id


def test_get_from_another_space_raises_not_found(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    image = _add(runtime, scope, album)
    elsewhere = scope_for(runtime, scope.actor, "acct-other")
    with runtime.transaction() as session, pytest.raises(NotFound):
        images.get(session, elsewhere, image.id)


def test_get_private_image_of_someone_else_raises_not_found(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    owner = trusted_scope(scope.space, make_actor(runtime, "owner"))
    image = _add(runtime, owner, album, private=True)
    stranger = trusted_scope(scope.space, make_actor(runtime, "stranger"))
    manager = trusted_scope(scope.space, make_actor(runtime, "boss"), SpaceRole.MANAGER)
    with runtime.transaction() as session:
        assert images.get(session, manager, image.id).id == image.id
        with pytest.raises(NotFound):
            images.get(session, stranger, image.id)


def test_update_changes_only_given_fields(runtime: Runtime, scope: Scope, album: Album) -> None:
    image = _add(runtime, scope, album, name="a.jpg", description="old")
    with runtime.transaction() as session:
        loaded = images.get(session, scope, image.id)
        images.update(session, scope, loaded, ImageChanges(description=None, starred=True))
    with runtime.transaction() as session:
        changed = images.get(session, scope, image.id)
        assert (changed.name, changed.description, changed.starred) == ("a.jpg", None, True)
        assert changed.updated_at >= image.updated_at


def test_update_moves_album_and_replaces_trades(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    with runtime.transaction() as session:
        other = albums.create(session, scope, vocabulary.PROCORE_CATEGORY, name="Other")
        first, second = trades.create(session, scope, "A"), trades.create(session, scope, "B")
    image = _add(runtime, scope, album, trade_ids=[first.id])
    with runtime.transaction() as session:
        loaded = images.get(session, scope, image.id)
        changes = ImageChanges(album_id=other.id, trade_ids=[second.id], log_date=date(2024, 2, 1))
        images.update(session, scope, loaded, changes)
    with runtime.transaction() as session:
        changed = images.get(session, scope, image.id)
        assert changed.album_id == other.id
        assert [t.id for t in changed.trades] == [second.id]
        assert changed.log_date == date(2024, 2, 1)


def test_update_with_unknown_trade_or_location_raises_invalid(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    image = _add(runtime, scope, album)
    with runtime.transaction() as session:
        loaded = images.get(session, scope, image.id)
        with pytest.raises(Invalid) as raised:
            images.update(session, scope, loaded, ImageChanges(trade_ids=[999]))
        assert raised.value.field == "trade_ids"
        with pytest.raises(Invalid) as raised:
            images.update(session, scope, loaded, ImageChanges(location_id=999))
        assert raised.value.field == "location_id"


def test_location_of_another_space_is_refused(runtime: Runtime, scope: Scope, album: Album) -> None:
    elsewhere = scope_for(runtime, scope.actor, "acct-other")
    with runtime.transaction() as session:
        foreign, _ = locations.find_or_create_path(session, elsewhere, ["X"])
    with pytest.raises(Invalid):
        _add(runtime, scope, album, location_id=foreign.id)


def test_trash_hides_image_and_restore_brings_it_back(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    image = _add(runtime, scope, album)
    with runtime.transaction() as session:
        images.trash(session, scope, images.get(session, scope, image.id))
    with runtime.transaction() as session:
        with pytest.raises(NotFound):
            images.get(session, scope, image.id)
        trashed = images.get(session, scope, image.id, deleted=True)
        images.restore(session, scope, trashed, fallback=album)
    with runtime.transaction() as session:
        assert images.get(session, scope, image.id).album_id == album.id


def test_restore_when_album_was_deleted_uses_fallback(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    with runtime.transaction() as session:
        doomed = albums.create(session, scope, vocabulary.PROCORE_CATEGORY, name="Doomed")
    image = _add(runtime, scope, doomed)
    with runtime.transaction() as session:
        albums.delete(session, scope, albums.get(session, scope, doomed.id))
    with runtime.transaction() as session:
        trashed = images.get(session, scope, image.id, deleted=True)
        images.restore(session, scope, trashed, fallback=album)
    with runtime.transaction() as session:
        assert images.get(session, scope, image.id).album_id == album.id


def test_purge_removes_row_and_releases_unshared_blob(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    image = _add(runtime, scope, album)
    images.purge(runtime, scope, image.id)
    with runtime.transaction() as session:
        assert session.get(Image, image.id) is None
        assert session.get(Blob, image.blob_sha256) is None
    assert not runtime.store.exists(blob_key(image.blob_sha256))


def test_purge_keeps_blob_shared_with_another_image(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    first = _add(runtime, scope, album, seed=3)
    second = _add(runtime, scope, album, seed=3)
    images.purge(runtime, scope, first.id)
    assert runtime.store.exists(blob_key(second.blob_sha256))


def test_purge_twice_raises_not_found(runtime: Runtime, scope: Scope, album: Album) -> None:
    image = _add(runtime, scope, album)
    images.purge(runtime, scope, image.id)
    with pytest.raises(NotFound):
        images.purge(runtime, scope, image.id)


def test_reorder_puts_listed_ids_first_and_keeps_the_rest(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    a, b, c, d = (_add(runtime, scope, album, seed=s) for s in range(1, 5))
    with runtime.transaction() as session:
        images.reorder(session, scope, album, [c.id, a.id])
    with runtime.transaction() as session:
        order = [image.id for image in images.in_album(session, scope, album)]
    assert order == [c.id, a.id, b.id, d.id]


def test_reorder_with_foreign_id_raises_invalid_and_changes_nothing(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    a, b = _add(runtime, scope, album, seed=1), _add(runtime, scope, album, seed=2)
    with runtime.transaction() as session:
        other = albums.create(session, scope, vocabulary.PROCORE_CATEGORY, name="Other")
    foreign = _add(runtime, scope, other, seed=3)
    with runtime.transaction() as session, pytest.raises(Invalid):
        images.reorder(session, scope, album, [b.id, foreign.id])
    with runtime.transaction() as session:
        assert [i.id for i in images.in_album(session, scope, album)] == [a.id, b.id]


def test_replace_content_keeps_ids_and_changes_blob(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    image = _add(runtime, scope, album, seed=1)
    data = io.BytesIO(samples.png(90, 30, seed=2))
    replaced = images.replace_content(runtime, scope, image.id, data)
    assert (replaced.id, replaced.public_id, replaced.uuid) == (
        image.id,
        image.public_id,
        image.uuid,
    )
    assert replaced.blob_sha256 != image.blob_sha256
    assert (replaced.width, replaced.height) == (90, 30)
    assert not runtime.store.exists(blob_key(image.blob_sha256))


def test_replace_content_with_bytes_of_another_image_in_dedupe_album_raises_duplicate(
    runtime: Runtime, scope: Scope
) -> None:
    with runtime.transaction() as session:
        account = albums.ensure(session, scope, vocabulary.MOOV_IMAGES)
    first = _add(runtime, scope, account, seed=1)
    second = _add(runtime, scope, account, seed=2)
    with pytest.raises(Duplicate) as raised:
        images.replace_content(runtime, scope, second.id, io.BytesIO(samples.jpeg(seed=1)))
    assert raised.value.existing_id == first.id
    same = images.replace_content(runtime, scope, first.id, io.BytesIO(samples.jpeg(seed=1)))
    assert same.blob_sha256 == first.blob_sha256


def test_move_temp_image_into_album_stops_expiry(
    runtime: Runtime, scope: Scope, album: Album
) -> None:
    from datetime import UTC, datetime, timedelta

    with runtime.transaction() as session:
        temp = albums.ensure(session, scope, vocabulary.CYCLOS_TEMP)
    image = _add(runtime, scope, temp, expires_at=datetime.now(UTC) + timedelta(hours=1))
    with runtime.transaction() as session:
        moved = images.move(session, scope, images.get(session, scope, image.id), album)
        assert moved.expires_at is None and moved.album_id == album.id


def test_move_into_full_album_raises_limit_exceeded(runtime: Runtime, scope: Scope) -> None:
    with runtime.transaction() as session:
        profile = albums.ensure(session, scope, AlbumType("small", AlbumPolicy(max_images=1)))
        temp = albums.ensure(session, scope, vocabulary.CYCLOS_TEMP)
    _add(runtime, scope, profile, seed=1)
    waiting = _add(runtime, scope, temp, seed=2)
    with runtime.transaction() as session, pytest.raises(LimitExceeded):
        images.move(session, scope, images.get(session, scope, waiting.id), profile)


def test_move_into_single_slot_album_replaces_its_image(runtime: Runtime, scope: Scope) -> None:
    with runtime.transaction() as session:
        contact = albums.ensure(session, scope, vocabulary.CYCLOS_CONTACT_INFO, "c1")
        temp = albums.ensure(session, scope, vocabulary.CYCLOS_TEMP)
    old = _add(runtime, scope, contact, seed=1)
    waiting = _add(runtime, scope, temp, seed=2)
    with runtime.transaction() as session:
        images.move(session, scope, images.get(session, scope, waiting.id), contact)
    with runtime.transaction() as session:
        assert [image.id for image in images.in_album(session, scope, contact)] == [waiting.id]
        assert session.get(Image, old.id) is None
