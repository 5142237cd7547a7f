"""Routing collisions of spec §3.2 and escaped path values of §1, over real HTTP."""

from __future__ import annotations

from darkroom.api.cyclos import entities
from darkroom.api.cyclos.entities import EntityKind
from tests.api.cyclos.conftest import World, add_user, jpeg, uploaded


def test_images_images_is_an_image_not_the_user_named_images(world: World) -> None:
    add_user(world.rt, "images")
    uploaded(world, user="images")
    answer = world.guest().call("GET", "/images/images")
    assert answer.status_code == 404
    assert answer.json() == {"entityType": "image", "key": "images"}


def test_user_named_images_is_reached_by_quoted_name(world: World) -> None:
    add_user(world.rt, "images")
    image_id = uploaded(world, user="images")
    answer = world.guest().list_user_images("'images")
    assert [image["id"] for image in answer.json()] == [image_id]


def test_images_temp_is_the_temp_listing_not_an_image(world: World) -> None:
    answer = world.guest().call("GET", "/images/temp", secured=False)
    assert answer.status_code == 200
    assert answer.json() == []


def test_images_content_key_is_content_not_kind_and_file(world: World) -> None:
    image_id = uploaded(world)
    key = world.guest().view_image(image_id).json()["url"].rsplit("/", 1)[1]
    answer = world.guest().call("GET", f"/images/content/{key}", secured=False)
    assert answer.headers["content-type"] == "image/jpeg"


def test_images_kind_content_prefers_id_and_content(world: World) -> None:
    # "/images/profile/content" could be kind "profile" with file "content": the id wins.
    answer = world.guest().call("GET", "/images/profile/content", secured=False)
    assert answer.json() == {"entityType": "image", "key": "profile"}


def test_literal_prefix_is_never_a_user(world: World) -> None:
    add_user(world.rt, "marketplace")
    uploaded(world, user="marketplace")
    answer = world.guest().call("GET", "/marketplace/images")
    assert answer.status_code == 404
    assert answer.json()["entityType"] == "operation"


def test_self_is_a_user_not_a_literal_prefix(world: World) -> None:
    assert world.user("alice").call("GET", "/self/images").status_code == 200


def test_escaped_slash_and_at_sign_in_a_product_number_reach_the_ad(world: World) -> None:
    entities.create(world.rt, "alice", EntityKind.AD, "777", product_number="prod 1/x")
    answer = world.user("alice").upload_ad_image("prod 1/x@alice", jpeg())  # prod%201%2Fx%40alice
    assert answer.status_code == 201
    assert [i["id"] for i in world.guest().list_ad_images("777").json()] == [answer.text]


def test_unknown_operation_answers_404_not_found_error(world: World) -> None:
    answer = world.guest().call("POST", "/sessions")
    assert answer.status_code == 404
    assert set(answer.json()) == {"entityType", "key"}


def test_trailing_slash_is_tolerated(world: World) -> None:
    assert world.guest().call("GET", "/alice/images/").status_code == 200
