"""Personal spaces: entered by ownership. The owner and managers change; anyone who may see the
owner views albums visible to guests; images are found by id (rules apply) or key (a capability).
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select, update

from darkroom.core import access, albums, images, personal, spaces, temporary
from darkroom.core.access import (
    GUEST,
    GUESTS,
    PERSONAL_SPACE,
    Actor,
    SpaceRole,
    trusted_scope,
)
from darkroom.core.images import NewImage
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.db.models import Principal, Space
from darkroom.errors import Forbidden, NotFound, Unauthorized
from tests import images as samples
from tests.conftest import grant, make_actor

SHOWN = AlbumType("test-shown", AlbumPolicy())
HIDDEN = AlbumType("test-hidden", AlbumPolicy(visible_to_guests=False))
GUEST_TEMP = AlbumType(temporary.TEMPORARY_ALBUM, AlbumPolicy(visible_to_guests=False))

ALICE = temporary.guest_identity("alice-key", "10.0.0.1")
BOB = temporary.guest_identity("bob-key", "10.0.0.2")


@pytest.fixture
def owner(member: Actor) -> Actor:
    return member


@pytest.fixture
def stranger(runtime: Runtime) -> Actor:
    return make_actor(runtime, "sam")


@pytest.fixture
def manager(runtime: Runtime, owner: Actor) -> Actor:
    """A member with a manager's grant on the owner's personal space and on the guests'."""
    actor = make_actor(runtime, "max")
    grant(runtime, actor, PERSONAL_SPACE, str(_id(owner)), SpaceRole.MANAGER)
    grant(runtime, actor, PERSONAL_SPACE, GUESTS, SpaceRole.MANAGER)
    return actor


def _id(actor: Actor) -> int:
    assert actor.principal_id is not None
    return actor.principal_id


def _enter(
    runtime: Runtime, actor: Actor, owner: Actor, policy: AlbumPolicy, *, write: bool
) -> access.Scope:
    return access.enter_personal(runtime, actor, _id(owner), policy, write=write)


def _image(runtime: Runtime, owner: Actor, album_type: AlbumType, seed: int = 1) -> ImageRecord:
    scope = _enter(runtime, owner, owner, album_type.policy, write=True)
    album = albums.provide(runtime, scope, album_type)
    data = io.BytesIO(samples.jpeg(16, 12, seed=seed))
    return images.add(runtime, scope, album.id, data, NewImage())


def _deactivate(runtime: Runtime, actor: Actor) -> None:
    with runtime.transaction() as session:
        session.execute(
            update(Principal).where(Principal.id == actor.principal_id).values(active=False)
        )


def _space_count(runtime: Runtime) -> int:
    with runtime.reading() as session:
        return session.scalar(select(func.count(Space.id))) or 0


# --- entering a user's space ----------------------------------------------------------------------


def test_enter_personal_to_write_as_owner_makes_their_space(runtime: Runtime, owner: Actor) -> None:
    scope = _enter(runtime, owner, owner, SHOWN.policy, write=True)
    assert scope.space.stored
    assert (scope.space.kind, scope.space.external_id) == (PERSONAL_SPACE, str(owner.principal_id))
    with runtime.reading() as session:
        assert spaces.find(session, PERSONAL_SPACE, str(owner.principal_id)) is not None


def test_enter_personal_to_write_as_manager_enters_the_owners_space(
    runtime: Runtime, owner: Actor, manager: Actor
) -> None:
    scope = _enter(runtime, manager, owner, HIDDEN.policy, write=True)
    assert scope.space.external_id == str(owner.principal_id)
    assert scope.actor == manager


def test_enter_personal_to_write_as_another_user_raises_forbidden(
    runtime: Runtime, owner: Actor, stranger: Actor
) -> None:
    with pytest.raises(Forbidden):
        _enter(runtime, stranger, owner, SHOWN.policy, write=True)


def test_enter_personal_to_write_as_guest_raises_unauthorized(
    runtime: Runtime, owner: Actor
) -> None:
    with pytest.raises(Unauthorized):
        _enter(runtime, GUEST, owner, SHOWN.policy, write=True)


def test_enter_personal_to_view_an_album_visible_to_guests_lets_anyone_in(
    runtime: Runtime, owner: Actor, stranger: Actor
) -> None:
    for actor in (stranger, GUEST):
        assert _enter(runtime, actor, owner, SHOWN.policy, write=False).actor == actor


def test_enter_personal_to_view_a_hidden_album_refuses_a_user_as_forbidden(
    runtime: Runtime, owner: Actor, stranger: Actor
) -> None:
    with pytest.raises(Forbidden):
        _enter(runtime, stranger, owner, HIDDEN.policy, write=False)


def test_enter_personal_to_view_a_hidden_album_refuses_a_guest_as_unauthorized(
    runtime: Runtime, owner: Actor
) -> None:
    with pytest.raises(Unauthorized):
        _enter(runtime, GUEST, owner, HIDDEN.policy, write=False)


def test_enter_personal_of_an_inactive_user_is_not_found_for_non_managers(
    runtime: Runtime, owner: Actor, stranger: Actor
) -> None:
    _deactivate(runtime, owner)
    for actor in (stranger, GUEST):
        with pytest.raises(NotFound) as missing:
            _enter(runtime, actor, owner, SHOWN.policy, write=False)
        assert missing.value.entity == "user"


def test_enter_personal_of_an_inactive_user_lets_managers_and_the_owner_in(
    runtime: Runtime, owner: Actor, manager: Actor
) -> None:
    _deactivate(runtime, owner)
    for actor in (manager, owner):
        assert _enter(runtime, actor, owner, HIDDEN.policy, write=True).space.stored


def test_enter_personal_to_write_for_an_inactive_user_is_not_found_for_non_managers(
    runtime: Runtime, owner: Actor, stranger: Actor
) -> None:
    _deactivate(runtime, owner)
    with pytest.raises(NotFound):
        _enter(runtime, stranger, owner, SHOWN.policy, write=True)


def test_enter_personal_of_an_unknown_user_raises_not_found(runtime: Runtime, admin: Actor) -> None:
    with pytest.raises(NotFound) as missing:
        access.enter_personal(runtime, admin, 999_999, SHOWN.policy, write=True)
    assert missing.value.entity == "user"


def test_enter_personal_to_read_before_any_write_is_unborn_and_writes_nothing(
    runtime: Runtime, owner: Actor
) -> None:
    scope = _enter(runtime, owner, owner, SHOWN.policy, write=False)
    assert scope.space.stored is False
    assert (scope.space.kind, scope.space.external_id) == (PERSONAL_SPACE, str(owner.principal_id))
    assert _space_count(runtime) == 0


# --- the guests' space and the rules --------------------------------------------------------------


def test_enter_guests_to_read_before_any_write_is_unborn(runtime: Runtime) -> None:
    scope = access.enter_guests(runtime, GUEST, write=False)
    assert scope.space.stored is False
    assert _space_count(runtime) == 0


def test_enter_guests_to_write_makes_the_shared_guests_space(runtime: Runtime) -> None:
    scope = access.enter_guests(runtime, GUEST, write=True)
    assert scope.space.stored
    assert (scope.space.kind, scope.space.external_id) == (PERSONAL_SPACE, GUESTS)


def test_may_manage_the_guests_space_takes_a_manager(
    runtime: Runtime, owner: Actor, manager: Actor
) -> None:
    assert access.manages_user(runtime, manager, None)
    assert not access.manages_user(runtime, owner, None)
    assert not access.manages_user(runtime, GUEST, None)


def test_refuse_a_guest_raises_unauthorized_and_a_user_forbidden(owner: Actor) -> None:
    with pytest.raises(Unauthorized):
        access.refuse(GUEST, "no")
    with pytest.raises(Forbidden):
        access.refuse(owner, "no")


# --- finding images -------------------------------------------------------------------------------


def test_find_image_by_id_or_by_key_finds_the_same_image(runtime: Runtime, owner: Actor) -> None:
    image = _image(runtime, owner, SHOWN)
    with runtime.reading() as session:
        assert personal.find_image(session, str(image.id)).id == image.id
        assert personal.find_image(session, image.key).id == image.id


def test_find_image_outside_personal_spaces_raises_not_found(
    runtime: Runtime, admin: Actor
) -> None:
    with runtime.transaction() as session:
        tenant = spaces.ensure(session, "test-tenant", "t1")
        album_id = albums.ensure(session, trusted_scope(tenant, admin), SHOWN).id
    scope = trusted_scope(tenant, admin)
    image = images.add(runtime, scope, album_id, io.BytesIO(samples.jpeg(16, 12)), NewImage())
    with runtime.reading() as session:
        for id_or_key in (str(image.id), image.key):
            with pytest.raises(NotFound):
                personal.find_image(session, id_or_key)


def test_find_viewable_by_key_serves_anyone_even_from_a_hidden_album(
    runtime: Runtime, owner: Actor
) -> None:
    image = _image(runtime, owner, HIDDEN)
    assert personal.find_viewable(runtime, GUEST, image.key).id == image.id


def test_find_viewable_by_id_of_a_hidden_album_refuses_others(
    runtime: Runtime, owner: Actor, stranger: Actor
) -> None:
    image = _image(runtime, owner, HIDDEN)
    with pytest.raises(Forbidden):
        personal.find_viewable(runtime, stranger, str(image.id))
    with pytest.raises(Unauthorized):
        personal.find_viewable(runtime, GUEST, str(image.id))


def test_find_viewable_by_id_of_a_hidden_album_serves_owner_and_managers(
    runtime: Runtime, owner: Actor, manager: Actor
) -> None:
    image = _image(runtime, owner, HIDDEN)
    for actor in (owner, manager):
        assert personal.find_viewable(runtime, actor, str(image.id)).id == image.id


def test_find_viewable_by_id_of_an_inactive_users_image_is_not_found_for_others(
    runtime: Runtime, owner: Actor, stranger: Actor, manager: Actor
) -> None:
    image = _image(runtime, owner, SHOWN)
    _deactivate(runtime, owner)
    with pytest.raises(NotFound):
        personal.find_viewable(runtime, stranger, str(image.id))
    assert personal.find_viewable(runtime, manager, str(image.id)).id == image.id


def test_find_viewable_by_id_of_a_guests_image_serves_that_guest_and_managers_only(
    runtime: Runtime, manager: Actor, stranger: Actor
) -> None:
    image = temporary.upload(
        runtime,
        GUEST,
        ALICE,
        io.BytesIO(samples.jpeg(16, 12)),
        name="a.jpg",
        album_type=GUEST_TEMP,
        extras={},
        address="192.0.2.1",
    )
    by_id = str(image.id)
    assert personal.find_viewable(runtime, GUEST, by_id, guest_identity=ALICE).id == image.id
    assert personal.find_viewable(runtime, manager, by_id).id == image.id
    with pytest.raises(Unauthorized):
        personal.find_viewable(runtime, GUEST, by_id, guest_identity=BOB)
    with pytest.raises(Forbidden):
        personal.find_viewable(runtime, stranger, by_id)


# --- changing and portraits -----------------------------------------------------------------------


def test_delete_image_by_its_owner_removes_it(runtime: Runtime, owner: Actor) -> None:
    image = _image(runtime, owner, HIDDEN)
    personal.delete_image(runtime, owner, image.key)
    with runtime.reading() as session, pytest.raises(NotFound):
        personal.find_image(session, str(image.id))


def test_delete_image_by_anyone_else_is_refused_and_keeps_it(
    runtime: Runtime, owner: Actor, stranger: Actor
) -> None:
    image = _image(runtime, owner, SHOWN)
    with pytest.raises(Forbidden):
        personal.delete_image(runtime, stranger, str(image.id))
    with pytest.raises(Unauthorized):
        personal.delete_image(runtime, GUEST, image.key)
    assert personal.find_viewable(runtime, owner, str(image.id)).id == image.id


def test_portrait_is_the_first_image_of_the_users_album_of_the_kind(
    runtime: Runtime, owner: Actor
) -> None:
    _image(runtime, owner, HIDDEN, seed=1)
    first = _image(runtime, owner, SHOWN, seed=2)
    _image(runtime, owner, SHOWN, seed=3)
    found = personal.portrait(runtime, _id(owner), SHOWN.kind)
    assert found is not None and found.id == first.id


def test_portrait_of_a_user_without_such_an_image_is_none(
    runtime: Runtime, owner: Actor, stranger: Actor
) -> None:
    _image(runtime, owner, HIDDEN)
    assert personal.portrait(runtime, _id(owner), SHOWN.kind) is None
    assert personal.portrait(runtime, _id(stranger), SHOWN.kind) is None
    assert _space_count(runtime) == 1
