"""Managing a Cyclos user takes a grant over that user: a manager's grant on their personal space.
``boss`` holds one on alice's space only (see conftest)."""

from __future__ import annotations

from darkroom.core.access import GUESTS
from tests.api.cyclos.conftest import World, grant_manager, jpeg, uploaded


def test_global_manager_no_longer_manages_every_cyclos_user(world: World) -> None:
    bobs = uploaded(world, "bob", seed=1, kind="custom")
    boss = world.user("boss")
    assert boss.upload_user_image("bob", jpeg(seed=2)).status_code == 403
    assert boss.list_user_images("bob", kind="custom").status_code == 403
    assert boss.delete_image(bobs).status_code == 403
    assert world.user("bob").delete_image(bobs).status_code == 204


def test_manager_of_a_users_space_manages_that_users_images(world: World) -> None:
    alices = uploaded(world, "alice", seed=1, kind="custom")
    boss = world.user("boss")
    assert boss.list_user_images("alice", kind="custom").status_code == 200
    assert boss.delete_image(alices).status_code == 204


def test_manager_grant_on_a_user_names_them_a_broker(world: World) -> None:
    assert world.user("boss").get_current_auth().json()["role"] == "broker"
    assert world.user("bob").get_current_auth().json()["role"] == "member"


def test_guests_images_are_managed_only_with_a_grant_on_the_guests_space(world: World) -> None:
    answer = world.guest().upload_temp_image(jpeg(), guest_key="k1")
    assert answer.status_code == 201, answer.text
    guests = answer.text
    assert world.user("boss").delete_image(guests).status_code == 403
    grant_manager(world.rt, "boss", GUESTS)
    assert world.user("boss").delete_image(guests).status_code == 204


def test_temp_image_for_an_unmanaged_user_is_refused(world: World) -> None:
    answer = world.user("boss").upload_temp_image(jpeg(), target="advertisement", user="bob")
    assert answer.status_code == 403
