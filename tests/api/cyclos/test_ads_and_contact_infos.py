"""Advertisement images (ops 2, 7, 10, 12) and contact-info images (ops 13, 14) over real HTTP,
as the generated client sends them (``client.py``)."""

from __future__ import annotations

import pytest

from darkroom.api.cyclos import entities
from darkroom.api.cyclos.entities import EntityKind
from tests.api.cyclos.conftest import AD, CONTACT_INFO, PRODUCT, World, jpeg


def _upload(world: World, ad: str = AD, seed: int = 0, user: str = "alice") -> str:
    answer = world.session_of(user).upload_ad_image(ad, jpeg(seed))
    assert answer.status_code == 201, answer.text
    return answer.text


def _ids(world: World, ad: str = AD) -> list[str]:
    return [image["id"] for image in world.guest().list_ad_images(ad).json()]


# --- upload (op 12) ------------------------------------------------------------------------


def test_upload_ad_image_as_owner_answers_201_and_lists_it(world: World) -> None:
    answer = world.user("alice").upload_ad_image(AD, jpeg(), name="front")
    assert answer.status_code == 201
    assert answer.headers["location"].startswith(world.api + "/images/content/")
    assert [(i["id"], i["name"]) for i in world.guest().list_ad_images(AD).json()] == [
        (answer.text, "front")
    ]


def test_upload_ad_image_by_product_number_at_user_finds_the_ad(world: World) -> None:
    answer = world.user("alice").upload_ad_image(f"{PRODUCT}@alice", jpeg())
    assert answer.status_code == 201
    assert _ids(world) == [answer.text]


def test_upload_ad_image_by_own_product_number_finds_the_ad(world: World) -> None:
    answer = world.user("alice").upload_ad_image(PRODUCT, jpeg())
    assert _ids(world) == [answer.text]


def test_upload_ad_image_as_guest_answers_401_missing_authorization(world: World) -> None:
    assert world.guest().upload_ad_image(AD, jpeg()).json() == {"code": "missingAuthorization"}


def test_upload_ad_image_as_another_user_answers_403(world: World) -> None:
    assert world.user("bob").upload_ad_image(AD, jpeg()).status_code == 403


def test_upload_ad_image_as_manager_answers_201(world: World) -> None:
    assert world.user("boss").upload_ad_image(AD, jpeg()).status_code == 201


def test_upload_ad_image_to_unknown_ad_answers_404_advertisement(world: World) -> None:
    answer = world.user("alice").upload_ad_image("999", jpeg())
    assert answer.status_code == 404
    assert answer.json() == {"entityType": "advertisement", "key": "999"}


# --- list (op 7) and list-data (op 2) -------------------------------------------------------


@pytest.mark.parametrize("viewer", ["guest", "alice", "bob", "boss"])
def test_list_ad_images_is_visible_to_everyone(world: World, viewer: str) -> None:
    image_id = _upload(world)
    client = world.guest() if viewer == "guest" else world.user(viewer)
    answer = client.list_ad_images(AD)
    assert [image["id"] for image in answer.json()] == [image_id]


def test_list_ad_images_by_product_number_of_another_user(world: World) -> None:
    image_id = _upload(world)
    answer = world.guest().list_ad_images(f"{PRODUCT}@alice")
    assert [image["id"] for image in answer.json()] == [image_id]


def test_list_ad_images_by_product_number_as_guest_answers_401(world: World) -> None:
    assert world.guest().list_ad_images(PRODUCT).json() == {"code": "missingAuthorization"}


def test_list_ad_images_by_unknown_product_answers_404_with_the_key(world: World) -> None:
    answer = world.guest().list_ad_images("P9@alice")
    assert answer.json() == {"entityType": "advertisement", "key": "P9@alice"}


def test_list_ad_images_with_fields_selects_keys(world: World) -> None:
    _upload(world)
    assert world.guest().list_ad_images(AD, fields=["-url"]).json()[0].get("url") is None


@pytest.mark.parametrize(
    ("viewer", "can_manage"), [("guest", False), ("bob", False), ("alice", True), ("boss", True)]
)
def test_ad_list_data_says_who_can_manage(world: World, viewer: str, can_manage: bool) -> None:
    client = world.guest() if viewer == "guest" else world.user(viewer)
    body = client.get_ad_images_list_data(AD).json()
    assert (body["canManage"], body["canCreate"], body["maxImages"]) == (
        can_manage,
        can_manage,
        20,
    )


def test_ad_list_data_with_fields_selects_keys(world: World) -> None:
    body = world.guest().get_ad_images_list_data(AD, fields=["maxImages,availability"]).json()
    assert body == {"maxImages": 20, "availability": "optional"}


# --- reorder (op 10) -----------------------------------------------------------------------


def test_reorder_ad_images_as_owner_answers_204_and_changes_order(world: World) -> None:
    first, second = _upload(world, seed=1), _upload(world, seed=2)
    assert world.user("alice").reorder_ad_images(AD, [second, first]).status_code == 204
    assert _ids(world) == [second, first]


def test_reorder_ad_images_with_an_image_of_another_ad_is_refused_unchanged(
    world: World,
) -> None:
    entities.create(world.rt, "bob", EntityKind.AD, "456")
    first, second = _upload(world, seed=1), _upload(world, seed=2)
    foreign = _upload(world, ad="456", seed=3, user="bob")
    answer = world.user("alice").reorder_ad_images(AD, [foreign, second])
    assert answer.status_code == 422
    assert _ids(world) == [first, second]


def test_reorder_ad_images_as_another_user_answers_403(world: World) -> None:
    image_id = _upload(world)
    assert world.user("bob").reorder_ad_images(AD, [image_id]).json() == {
        "code": "permissionDenied"
    }


def test_reorder_ad_images_as_manager_answers_204(world: World) -> None:
    image_id = _upload(world)
    assert world.user("boss").reorder_ad_images(AD, [image_id]).status_code == 204


def test_reorder_ad_images_as_guest_answers_401(world: World) -> None:
    image_id = _upload(world)
    assert world.guest().reorder_ad_images(AD, [image_id]).status_code == 401


# --- contact infos (ops 13, 14) -------------------------------------------------------------


def test_upload_contact_info_image_answers_201_with_contact_info_kind(world: World) -> None:
    answer = world.user("alice").upload_contact_info_image(CONTACT_INFO, jpeg())
    assert answer.status_code == 201
    assert world.guest().view_image(answer.text).json()["kind"] == "contactInfo"


def test_upload_contact_info_image_again_replaces_the_old_one(world: World) -> None:
    alice = world.user("alice")
    old = alice.upload_contact_info_image(CONTACT_INFO, jpeg(seed=1)).text
    new = alice.upload_contact_info_image(CONTACT_INFO, jpeg(seed=2)).text
    assert world.guest().view_image(old).status_code == 404
    assert world.guest().get_image_content(old).status_code == 404
    assert world.guest().view_image(new).status_code == 200


def test_upload_contact_info_image_deprecated_path_is_the_same_operation(world: World) -> None:
    alice = world.user("alice")
    old = alice.upload_contact_info_image(CONTACT_INFO, jpeg(seed=1)).text
    answer = alice.upload_contact_info_image_deprecated(CONTACT_INFO, jpeg(seed=2))
    assert answer.status_code == 201
    assert world.guest().view_image(old).status_code == 404


def test_upload_contact_info_image_as_guest_answers_401(world: World) -> None:
    answer = world.guest().upload_contact_info_image(CONTACT_INFO, jpeg())
    assert answer.json() == {"code": "missingAuthorization"}


def test_upload_contact_info_image_as_another_user_answers_403(world: World) -> None:
    assert world.user("bob").upload_contact_info_image(CONTACT_INFO, jpeg()).status_code == 403


def test_upload_contact_info_image_as_manager_answers_201(world: World) -> None:
    assert world.user("boss").upload_contact_info_image(CONTACT_INFO, jpeg()).status_code == 201


def test_upload_contact_info_image_to_unknown_one_answers_404_contact_info(world: World) -> None:
    answer = world.user("alice").upload_contact_info_image("77", jpeg())
    assert answer.json() == {"entityType": "contactInfo", "key": "77"}
