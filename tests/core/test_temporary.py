"""Temporary images: uploaded for a user or a guest identity, expiring after the TTL unless
attached to an album, where they stay."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from darkroom.clock import utcnow
from darkroom.core import albums, gc, images, liveness, personal, spaces, temporary
from darkroom.core.access import (
    GUEST,
    GUESTS,
    PERSONAL_SPACE,
    Actor,
    Scope,
    enter_personal,
    trusted_scope,
)
from darkroom.core.blobs import blob_key
from darkroom.core.images import NewImage
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.records import AlbumRecord, ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.core.temporary import TEMPORARY_ALBUM
from darkroom.db.models import Album, Blob, Image, Space
from darkroom.errors import Invalid, LimitExceeded, NotFound
from tests import images as samples
from tests.conftest import make_actor

USER_TEMP = AlbumType(TEMPORARY_ALBUM, AlbumPolicy(visible_to_guests=False))
GUEST_TEMP = AlbumType(TEMPORARY_ALBUM, AlbumPolicy(max_images=2, visible_to_guests=False))
PROFILE = AlbumType("test-profile", AlbumPolicy(max_images=2))
AVATAR = AlbumType("test-avatar", AlbumPolicy(single_slot=True))
OTHER = AlbumType("test-other", AlbumPolicy())

ALICE = temporary.guest_identity("alice-key", "10.0.0.1")
BOB = temporary.guest_identity("bob-key", "10.0.0.2")


class Clock:
    """The time that uploads stamp expiry from and lookups judge liveness by."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = utcnow()
        monkeypatch.setattr(temporary, "utcnow", lambda: self.now)
        monkeypatch.setattr(liveness, "utcnow", lambda: self.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def _upload(
    runtime: Runtime,
    actor: Actor,
    identity: str = "",
    *,
    seed: int = 1,
    album_type: AlbumType = USER_TEMP,
    **extras: object,
) -> ImageRecord:
    return temporary.upload(
        runtime,
        actor,
        identity,
        io.BytesIO(samples.jpeg(16, 12, seed=seed)),
        name=f"temp-{seed}.jpg",
        album_type=album_type,
        extras=extras,
        address="192.0.2.1",  # guests need one; users' uploads ignore it
    )


def _guest_upload(runtime: Runtime, identity: str, seed: int = 1) -> ImageRecord:
    return _upload(runtime, GUEST, identity, seed=seed, album_type=GUEST_TEMP)


def _listed(runtime: Runtime, actor: Actor, identity: str = "", **wanted: object) -> list[int]:
    album_type = GUEST_TEMP if actor.is_guest else USER_TEMP
    return [image.id for image in temporary.list_own(runtime, actor, identity, album_type, wanted)]


def _album_of(runtime: Runtime, actor: Actor, album_type: AlbumType) -> AlbumRecord:
    assert actor.principal_id is not None
    return personal.provide_album(runtime, actor.principal_id, album_type)


def _scope_of(runtime: Runtime, actor: Actor, album: AlbumRecord) -> Scope:
    assert actor.principal_id is not None
    return enter_personal(runtime, actor, actor.principal_id, album.policy, write=True)


def _add_kept(runtime: Runtime, actor: Actor, album: AlbumRecord, seed: int) -> ImageRecord:
    scope = _scope_of(runtime, actor, album)
    data = io.BytesIO(samples.jpeg(16, 12, seed=seed))
    return images.add(runtime, scope, album.id, data, NewImage())


def _expire(runtime: Runtime, image_id: int) -> None:
    with runtime.transaction() as session:
        past = utcnow() - timedelta(minutes=1)
        session.execute(update(Image).where(Image.id == image_id).values(expires_at=past))


def _row(runtime: Runtime, image_id: int) -> Image | None:
    with runtime.reading() as session:
        return session.get(Image, image_id)


def _expires_at(runtime: Runtime, image_id: int) -> datetime | None:
    row = _row(runtime, image_id)
    assert row is not None
    return row.expires_at


# --- identities -----------------------------------------------------------------------------------


def test_guest_identity_with_a_key_is_the_keys_hash_never_the_key() -> None:
    identity = temporary.guest_identity("s3cret", "10.0.0.1")
    assert identity == "key:" + hashlib.sha256(b"s3cret").hexdigest()
    assert "s3cret" not in identity


def test_guest_identity_without_a_key_is_the_remote_address() -> None:
    assert temporary.guest_identity(None, "10.0.0.1") == "ip:10.0.0.1"
    assert temporary.guest_identity("", "10.0.0.1") == "ip:10.0.0.1"


# --- upload ---------------------------------------------------------------------------------------


def test_upload_by_a_user_keeps_the_image_in_their_personal_space_until_the_ttl(
    runtime: Runtime, member: Actor, clock: Clock
) -> None:
    image = _upload(runtime, member, purpose="avatar")
    with runtime.reading() as session:
        space = session.get_one(Space, image.space_id)
    assert (space.kind, space.external_id) == (PERSONAL_SPACE, str(member.principal_id))
    assert (image.album.kind, image.album.external_id) == (TEMPORARY_ALBUM, None)
    assert (image.uploader_id, image.guest_key) == (member.principal_id, None)
    assert image.expires_at == clock.now + runtime.settings.temp_image_ttl
    assert dict(image.extras) == {"purpose": "avatar"}


def test_upload_by_a_guest_keeps_the_image_in_the_guests_space_under_their_identity(
    runtime: Runtime,
) -> None:
    image = _guest_upload(runtime, ALICE)
    with runtime.reading() as session:
        space = session.get_one(Space, image.space_id)
    assert (space.kind, space.external_id) == (PERSONAL_SPACE, GUESTS)
    assert image.album.external_id == ALICE
    assert (image.uploader_id, image.guest_key) == (None, ALICE)


def test_upload_by_a_guest_beyond_the_album_limit_raises_limit_exceeded(runtime: Runtime) -> None:
    _guest_upload(runtime, ALICE, seed=1)
    _guest_upload(runtime, ALICE, seed=2)
    with pytest.raises(LimitExceeded) as refused:
        _guest_upload(runtime, ALICE, seed=3)
    assert refused.value.limit == 2
    assert len(_listed(runtime, GUEST, ALICE)) == 2


def test_upload_limit_of_one_guest_identity_leaves_another_room(runtime: Runtime) -> None:
    _guest_upload(runtime, ALICE, seed=1)
    _guest_upload(runtime, ALICE, seed=2)
    image = _guest_upload(runtime, BOB, seed=3)
    assert _listed(runtime, GUEST, BOB) == [image.id]


def test_upload_deletes_the_expired_images_of_its_own_album_first(runtime: Runtime) -> None:
    old = _guest_upload(runtime, ALICE, seed=1)
    elsewhere = _guest_upload(runtime, BOB, seed=2)
    _expire(runtime, old.id)
    _expire(runtime, elsewhere.id)
    _guest_upload(runtime, ALICE, seed=3)
    assert _row(runtime, old.id) is None
    assert _row(runtime, elsewhere.id) is not None  # another album's: left for gc


# --- expiry ---------------------------------------------------------------------------------------


def test_temporary_image_is_live_until_the_ttl(
    runtime: Runtime, member: Actor, clock: Clock
) -> None:
    image = _upload(runtime, member)
    clock.now += runtime.settings.temp_image_ttl - timedelta(seconds=1)
    assert _listed(runtime, member) == [image.id]
    assert personal.find_viewable(runtime, member, image.key).id == image.id


def test_expired_image_is_gone_for_lookups_and_lists_before_gc(
    runtime: Runtime, member: Actor, clock: Clock
) -> None:
    image = _upload(runtime, member)
    clock.now += runtime.settings.temp_image_ttl
    assert _listed(runtime, member) == []
    for id_or_key in (image.key, str(image.id)):
        with pytest.raises(NotFound):
            personal.find_viewable(runtime, member, id_or_key)
    assert _row(runtime, image.id) is not None


def test_gc_deletes_an_expired_temporary_image_and_its_bytes(
    runtime: Runtime, member: Actor
) -> None:
    image = _upload(runtime, member)
    assert image.expires_at is not None
    report = gc.collect(runtime, now=image.expires_at)
    assert report.temp_images == 1
    assert _row(runtime, image.id) is None
    with runtime.reading() as session:
        assert session.get(Blob, image.blob.sha256) is None
    assert not runtime.store.exists(blob_key(image.blob.sha256))


# --- listing --------------------------------------------------------------------------------------


def test_list_own_returns_the_images_whose_extras_hold_every_wanted_item_oldest_first(
    runtime: Runtime, member: Actor
) -> None:
    first = _upload(runtime, member, seed=1, purpose="ad", ad="7")
    _upload(runtime, member, seed=2, purpose="ad", ad="8")
    _upload(runtime, member, seed=3, purpose="profile")
    third = _upload(runtime, member, seed=4, purpose="ad", ad="7")
    assert _listed(runtime, member, purpose="ad", ad="7") == [first.id, third.id]


def test_list_own_of_a_guest_holds_only_their_identitys_images(runtime: Runtime) -> None:
    mine = _guest_upload(runtime, ALICE, seed=1)
    _guest_upload(runtime, BOB, seed=2)
    assert _listed(runtime, GUEST, ALICE) == [mine.id]


def test_list_own_of_a_user_leaves_out_other_users_images(runtime: Runtime, member: Actor) -> None:
    other = make_actor(runtime, "otto")
    _upload(runtime, other)
    assert _listed(runtime, member) == []


def test_list_own_before_any_upload_is_empty_and_writes_nothing(
    runtime: Runtime, member: Actor
) -> None:
    assert _listed(runtime, member) == []
    assert _listed(runtime, GUEST, ALICE) == []
    with runtime.reading() as session:
        assert session.scalar(select(func.count(Space.id))) == 0
        assert session.scalar(select(func.count(Album.id))) == 0


# --- attach ---------------------------------------------------------------------------------------


def test_attach_moves_the_image_into_the_album_where_it_stops_expiring(
    runtime: Runtime, member: Actor, clock: Clock
) -> None:
    image = _upload(runtime, member)
    album = _album_of(runtime, member, PROFILE)
    attached = temporary.attach(runtime, image.key, album.id)
    assert (attached.id, attached.album.id, attached.expires_at) == (image.id, album.id, None)
    clock.now += 2 * runtime.settings.temp_image_ttl
    assert personal.find_viewable(runtime, member, image.key).album.id == album.id
    assert _listed(runtime, member) == []


def test_attach_of_a_guests_image_moves_it_to_the_users_space_without_the_identity(
    runtime: Runtime, member: Actor
) -> None:
    image = _guest_upload(runtime, ALICE)
    album = _album_of(runtime, member, PROFILE)
    attached = temporary.attach(runtime, str(image.id), album.id)
    assert (attached.space_id, attached.guest_key) == (album.space_id, None)
    assert _listed(runtime, GUEST, ALICE) == []


def test_attach_into_a_full_album_raises_limit_exceeded_and_leaves_the_image_temporary(
    runtime: Runtime, member: Actor
) -> None:
    album = _album_of(runtime, member, PROFILE)
    _add_kept(runtime, member, album, seed=1)
    _add_kept(runtime, member, album, seed=2)
    image = _upload(runtime, member, seed=3)
    with pytest.raises(LimitExceeded):
        temporary.attach(runtime, str(image.id), album.id)
    assert _listed(runtime, member) == [image.id]
    assert _expires_at(runtime, image.id) == image.expires_at


def test_attach_into_a_single_slot_album_replaces_its_image(
    runtime: Runtime, member: Actor
) -> None:
    album = _album_of(runtime, member, AVATAR)
    previous = _add_kept(runtime, member, album, seed=1)
    image = _upload(runtime, member, seed=2)
    temporary.attach(runtime, str(image.id), album.id)
    held = images.list_album(runtime, _scope_of(runtime, member, album), album.id)
    assert [held_image.id for held_image in held] == [image.id]
    assert _row(runtime, previous.id) is None


def test_attach_of_an_image_that_is_not_temporary_raises_invalid(
    runtime: Runtime, member: Actor
) -> None:
    album = _album_of(runtime, member, PROFILE)
    kept = _add_kept(runtime, member, album, seed=1)
    target = _album_of(runtime, member, OTHER)
    with pytest.raises(Invalid) as refused:
        temporary.attach(runtime, str(kept.id), target.id)
    assert refused.value.field == "image"


def test_attach_of_an_expired_image_raises_not_found(runtime: Runtime, member: Actor) -> None:
    image = _upload(runtime, member)
    album = _album_of(runtime, member, PROFILE)
    _expire(runtime, image.id)
    with pytest.raises(NotFound):
        temporary.attach(runtime, str(image.id), album.id)


def test_attach_into_an_unknown_album_raises_not_found(runtime: Runtime, member: Actor) -> None:
    image = _upload(runtime, member)
    with pytest.raises(NotFound) as refused:
        temporary.attach(runtime, str(image.id), 999_999)
    assert refused.value.entity == "album"


def test_attach_into_an_album_outside_personal_spaces_raises_not_found(
    runtime: Runtime, member: Actor, admin: Actor
) -> None:
    image = _guest_upload(runtime, ALICE)
    with runtime.transaction() as session:
        tenant = spaces.ensure(session, "test-tenant", str(member.principal_id))
        album_id = albums.ensure(session, trusted_scope(tenant, admin), OTHER).id
    with pytest.raises(NotFound):
        temporary.attach(runtime, str(image.id), album_id)
