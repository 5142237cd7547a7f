"""Two-phase uploads: announce, receive bytes, consume once into an image."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import update

from darkroom.core import albums, images, uploads
from darkroom.core.access import Scope, trusted_scope
from darkroom.core.albums import AlbumKind
from darkroom.core.clock import utcnow
from darkroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from darkroom.core.images import NewImage
from darkroom.core.models import Upload
from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.conftest import make_actor


def _announce(runtime: Runtime, scope: Scope) -> str:
    with runtime.transaction() as session:
        upload = uploads.create(session, scope, ttl=timedelta(hours=1), filename="a.jpg")
        return upload.uuid


def test_upload_flow_creates_image_from_received_bytes(runtime: Runtime, scope: Scope) -> None:
    upload_uuid = _announce(runtime, scope)
    data = samples.jpeg(120, 90)
    received = uploads.receive(runtime, upload_uuid, io.BytesIO(data))
    assert received.status == "complete"
    with runtime.transaction() as session:
        blob = uploads.consume(session, scope, upload_uuid)
        album = albums.ensure(session, scope, AlbumKind.PROCORE_CATEGORY)
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
    from darkroom.core.errors import Unsupported

    upload_uuid = _announce(runtime, scope)
    with pytest.raises(Unsupported):
        uploads.receive(runtime, upload_uuid, io.BytesIO(b"<html>no</html>"))
    with runtime.transaction() as session:
        assert uploads.get(session, scope, upload_uuid).status == "pending"
