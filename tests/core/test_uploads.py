"""Two-phase uploads: announce, receive bytes, consume once into an image."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import update

from darkroom.api import vocabulary
from darkroom.clock import utcnow
from darkroom.core import albums, images, uploads
from darkroom.core.access import Scope, trusted_scope
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.db.models import Upload
from darkroom.errors import Conflict, Forbidden, Invalid, NotFound
from tests import images as samples
from tests.conftest import make_actor


def _announce(runtime: Runtime, scope: Scope) -> str:
    return uploads.announce(runtime, scope, ttl=timedelta(hours=1), filename="a.jpg").uuid


def test_upload_flow_creates_image_from_received_bytes(runtime: Runtime, scope: Scope) -> None:
    upload_uuid = _announce(runtime, scope)
    data = samples.jpeg(120, 90)
    received = uploads.receive(runtime, upload_uuid, io.BytesIO(data))
    assert received.status == "complete"
    with runtime.transaction() as session:
        blob = uploads.consume(session, scope, upload_uuid)
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    image = images.create_from_blob(runtime, scope, album, blob, NewImage(name="a.jpg"))
    assert (image.width, image.height) == (120, 90)


def test_upload_consumed_twice_raises_invalid(runtime: Runtime, scope: Scope) -> None:
    upload_uuid = _announce(runtime, scope)
    uploads.receive(runtime, upload_uuid, io.BytesIO(samples.jpeg()))
    with runtime.transaction() as session:
        uploads.consume(session, scope, upload_uuid)
    with runtime.transaction() as session, pytest.raises(Invalid):
        uploads.consume(session, scope, upload_uuid)


def test_upload_without_bytes_cannot_be_consumed(runtime: Runtime, scope: Scope) -> None:
    upload_uuid = _announce(runtime, scope)
    with runtime.transaction() as session, pytest.raises(Invalid):
        uploads.consume(session, scope, upload_uuid)


def test_upload_received_twice_raises_conflict(runtime: Runtime, scope: Scope) -> None:
    upload_uuid = _announce(runtime, scope)
    uploads.receive(runtime, upload_uuid, io.BytesIO(samples.jpeg()))
    with pytest.raises(Conflict):
        uploads.receive(runtime, upload_uuid, io.BytesIO(samples.jpeg(seed=2)))


def test_upload_after_expiry_raises_forbidden(runtime: Runtime, scope: Scope) -> None:
    upload_uuid = _announce(runtime, scope)
    with runtime.transaction() as session:
        session.execute(
            update(Upload).where(Upload.uuid == upload_uuid).values(expires_at=utcnow())
        )
    with pytest.raises(Forbidden):
        uploads.receive(runtime, upload_uuid, io.BytesIO(samples.jpeg()))


def test_upload_of_another_user_is_not_found(runtime: Runtime, scope: Scope) -> None:
    owner = trusted_scope(scope.space, make_actor(runtime, "owner"))
    other = trusted_scope(scope.space, make_actor(runtime, "other"))
    upload_uuid = _announce(runtime, owner)
    with runtime.transaction() as session, pytest.raises(NotFound):
        uploads.get(session, other, upload_uuid)


def test_upload_of_hostile_bytes_stays_pending(runtime: Runtime, scope: Scope) -> None:
    from darkroom.errors import Unsupported

    upload_uuid = _announce(runtime, scope)
    with pytest.raises(Unsupported):
        uploads.receive(runtime, upload_uuid, io.BytesIO(b"<html>no</html>"))
    with runtime.transaction() as session:
        assert uploads.get(session, scope, upload_uuid).status == "pending"


# --- what doors call: records, each in a transaction of its own ------------------------------


def test_announced_upload_is_found_as_a_record_and_completed_by_its_bytes(
    runtime: Runtime, scope: Scope
) -> None:
    announced = uploads.announce(runtime, scope, ttl=timedelta(hours=1), filename="a.jpg")
    assert uploads.find(runtime, scope, announced.uuid) == announced
    assert uploads.peek(runtime, announced.uuid).status == "pending"
    received = uploads.receive(runtime, announced.uuid, io.BytesIO(samples.jpeg()))
    assert (received.status, received.filename) == ("complete", "a.jpg")
    assert received.blob_sha256 is not None


def test_add_image_makes_an_image_record_and_uses_the_upload_up(
    runtime: Runtime, scope: Scope
) -> None:
    upload_uuid = _announce(runtime, scope)
    uploads.receive(runtime, upload_uuid, io.BytesIO(samples.jpeg(120, 90)))
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    made = uploads.add_image(runtime, scope, album.id, upload_uuid, NewImage(name="a.jpg"))
    assert (made.album.id, made.width, made.height, made.name) == (album.id, 120, 90, "a.jpg")
    with pytest.raises(Invalid):
        uploads.add_image(runtime, scope, album.id, upload_uuid, NewImage())


def test_add_image_into_an_unknown_album_leaves_the_upload_usable(
    runtime: Runtime, scope: Scope
) -> None:
    upload_uuid = _announce(runtime, scope)
    uploads.receive(runtime, upload_uuid, io.BytesIO(samples.jpeg()))
    with pytest.raises(NotFound):
        uploads.add_image(runtime, scope, 999_999, upload_uuid, NewImage())
    assert uploads.find(runtime, scope, upload_uuid).status == "complete"


def test_complete_segments_of_another_users_upload_is_not_found(
    runtime: Runtime, scope: Scope
) -> None:
    owner = trusted_scope(scope.space, make_actor(runtime, "owner"))
    other = trusted_scope(scope.space, make_actor(runtime, "other"))
    declared = [{"size": 3, "sha256": "0" * 64}]
    upload = uploads.announce(
        runtime, owner, ttl=timedelta(hours=1), extras={uploads.SEGMENTS: declared}
    )
    with pytest.raises(NotFound):
        uploads.complete_segments(runtime, other, upload.uuid, ["etag"])


def test_peek_of_an_unknown_upload_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound):
        uploads.peek(runtime, "no-such-upload")
