"""Named albums: albums of a user's personal space that stand for an outside entity, named by its
id (unique per kind across all spaces) and echoing what the other system says of it."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from darkroom.core import access, images, named_albums, spaces
from darkroom.core.access import PERSONAL_SPACE, Actor
from darkroom.core.blobs import blob_key
from darkroom.core.images import NewImage
from darkroom.core.named_albums import TAKEN_ID, NamedAlbum
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.core.values import INT64_MAX
from darkroom.db.models import Album, Image
from darkroom.errors import Conflict, Invalid, NotFound
from tests import images as samples
from tests.conftest import make_actor

AD = AlbumType("test-ad", AlbumPolicy(max_images=3))
CONTACT = AlbumType("test-contact", AlbumPolicy(single_slot=True))


@pytest.fixture
def owner(member: Actor) -> int:
    assert member.principal_id is not None
    return member.principal_id


@pytest.fixture
def other(runtime: Runtime) -> int:
    principal_id = make_actor(runtime, "otto").principal_id
    assert principal_id is not None
    return principal_id


def _add_image(runtime: Runtime, named: NamedAlbum, seed: int) -> ImageRecord:
    actor = Actor(principal_id=named.owner.id, role=access.Role.MEMBER)
    scope = access.enter_personal(runtime, actor, named.owner.id, AD.policy, write=True)
    data = io.BytesIO(samples.jpeg(16, 12, seed=seed))
    return images.add(runtime, scope, named.album.id, data, NewImage())


# --- create ---------------------------------------------------------------------------------------


def test_create_without_an_id_generates_a_large_number(runtime: Runtime, owner: int) -> None:
    made = named_albums.create(runtime, owner, AD)
    assert made.external_id.isdigit()
    assert 10**15 <= int(made.external_id) <= INT64_MAX


def test_create_makes_the_album_in_the_owners_personal_space_with_its_extras(
    runtime: Runtime, owner: int
) -> None:
    made = named_albums.create(runtime, owner, AD, "42", name="Bike", extras={"title": "Bike"})
    with runtime.reading() as session:
        space = spaces.find(session, PERSONAL_SPACE, str(owner))
    assert space is not None and made.album.space_id == space.id
    assert (made.album.kind, made.external_id, made.album.name) == (AD.kind, "42", "Bike")
    assert dict(made.album.extras) == {"title": "Bike"}
    assert made.album.policy == AD.policy
    assert (made.owner.id, made.image_count) == (owner, 0)


def test_create_with_an_id_another_users_album_of_the_kind_has_raises_conflict(
    runtime: Runtime, owner: int, other: int
) -> None:
    named_albums.create(runtime, other, AD, "42")
    with pytest.raises(Conflict) as taken:
        named_albums.create(runtime, owner, AD, "42")
    assert taken.value.details["taken"] == TAKEN_ID


def test_create_with_an_id_taken_by_another_kind_succeeds(runtime: Runtime, owner: int) -> None:
    named_albums.create(runtime, owner, CONTACT, "42")
    assert named_albums.create(runtime, owner, AD, "42").external_id == "42"


@pytest.mark.parametrize("bad_id", ["", "   ", "x" * 129, "a\nb"])
def test_create_with_a_malformed_id_raises_invalid(
    runtime: Runtime, owner: int, bad_id: str
) -> None:
    with pytest.raises(Invalid) as refused:
        named_albums.create(runtime, owner, AD, bad_id)
    assert refused.value.field == "id"


def test_create_for_an_unknown_owner_raises_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound) as missing:
        named_albums.create(runtime, 999_999, AD)
    assert missing.value.entity == "user"


def test_create_with_a_unique_extra_the_owner_has_already_raises_conflict_naming_it(
    runtime: Runtime, owner: int
) -> None:
    named_albums.create(runtime, owner, CONTACT, extras={"name": "home"}, unique=["name"])
    with pytest.raises(Conflict) as taken:
        named_albums.create(runtime, owner, CONTACT, extras={"name": "home"}, unique=["name"])
    assert taken.value.details["taken"] == "name"


def test_create_with_a_unique_extra_another_owner_has_succeeds(
    runtime: Runtime, owner: int, other: int
) -> None:
    named_albums.create(runtime, other, CONTACT, extras={"name": "home"}, unique=["name"])
    made = named_albums.create(runtime, owner, CONTACT, extras={"name": "home"}, unique=["name"])
    assert made.owner.id == owner


def test_create_with_a_repeated_extra_not_required_unique_succeeds(
    runtime: Runtime, owner: int
) -> None:
    first = named_albums.create(runtime, owner, CONTACT, extras={"name": "home"})
    second = named_albums.create(runtime, owner, CONTACT, extras={"name": "home"})
    assert first.album.id != second.album.id


# --- find -----------------------------------------------------------------------------------------


def test_find_returns_the_album_with_its_owner_and_live_image_count(
    runtime: Runtime, owner: int, admin: Actor
) -> None:
    made = named_albums.create(runtime, owner, AD, "42")
    _add_image(runtime, made, seed=1)
    trashed = _add_image(runtime, made, seed=2)
    scope = access.enter_personal(runtime, admin, owner, AD.policy, write=True)
    images.move_to_trash(runtime, scope, trashed.id)
    found = named_albums.find(runtime, AD.kind, "42")
    assert found is not None
    assert (found.album.id, found.owner.id, found.image_count) == (made.album.id, owner, 1)


def test_find_of_an_id_no_album_of_the_kind_has_is_none(runtime: Runtime, owner: int) -> None:
    named_albums.create(runtime, owner, CONTACT, "42")
    assert named_albums.find(runtime, AD.kind, "42") is None


def test_find_by_extra_returns_the_owners_album_holding_the_value(
    runtime: Runtime, owner: int, other: int
) -> None:
    named_albums.create(runtime, owner, CONTACT, extras={"name": "work"})
    home = named_albums.create(runtime, owner, CONTACT, extras={"name": "home"})
    found = named_albums.find_by_extra(runtime, owner, CONTACT.kind, "name", "home")
    assert found is not None and found.album.id == home.album.id
    assert named_albums.find_by_extra(runtime, other, CONTACT.kind, "name", "home") is None


# --- list -----------------------------------------------------------------------------------------


def test_list_for_returns_the_owners_albums_of_the_kind_oldest_first_with_counts(
    runtime: Runtime, owner: int, other: int
) -> None:
    first = named_albums.create(runtime, owner, AD, "1")
    second = named_albums.create(runtime, owner, AD, "2")
    named_albums.create(runtime, owner, CONTACT, "3")
    named_albums.create(runtime, other, AD, "4")
    _add_image(runtime, second, seed=1)
    _add_image(runtime, second, seed=2)
    listed = named_albums.list_for(runtime, owner, AD.kind)
    assert [(n.album.id, n.image_count) for n in listed] == [
        (first.album.id, 0),
        (second.album.id, 2),
    ]


def test_list_for_a_user_without_a_space_is_empty_and_writes_nothing(
    runtime: Runtime, owner: int
) -> None:
    assert named_albums.list_for(runtime, owner, AD.kind) == ()
    with runtime.reading() as session:
        assert spaces.find(session, PERSONAL_SPACE, str(owner)) is None


# --- delete ---------------------------------------------------------------------------------------


def test_delete_removes_the_album_and_its_images_for_good(runtime: Runtime, owner: int) -> None:
    made = named_albums.create(runtime, owner, AD, "42")
    image = _add_image(runtime, made, seed=1)
    assert named_albums.delete(runtime, owner, AD.kind, "42") is True
    assert named_albums.find(runtime, AD.kind, "42") is None
    with runtime.reading() as session:
        assert session.get(Album, made.album.id) is None
        assert session.scalars(select(Image.id).where(Image.id == image.id)).first() is None
    assert not runtime.store.exists(blob_key(image.blob.sha256))


def test_delete_frees_the_id_for_a_new_album(runtime: Runtime, owner: int, other: int) -> None:
    named_albums.create(runtime, owner, AD, "42")
    named_albums.delete(runtime, owner, AD.kind, "42")
    made = named_albums.create(runtime, other, AD, "42")
    assert made.owner.id == other


def test_delete_of_another_owners_album_returns_false_and_keeps_it(
    runtime: Runtime, owner: int, other: int
) -> None:
    named_albums.create(runtime, other, AD, "42")
    named_albums.create(runtime, owner, AD, "43")  # the owner has a space, but not that album
    assert named_albums.delete(runtime, owner, AD.kind, "42") is False
    found = named_albums.find(runtime, AD.kind, "42")
    assert found is not None and found.owner.id == other
