"""Profile and custom images of a user (ops 6, 9, 11, 16) over real HTTP, as the generated
client sends them (see ``client.py``): as guest, owner, another user and manager."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from darkroom.api import vocabulary
from darkroom.db.models import Album, Principal, Space
from tests import images as samples
from tests.api.cyclos.conftest import World, add_user, jpeg, uploaded

IMAGE_KEYS = {"id", "name", "contentType", "length", "url", "width", "height"}


def _ids(answer: object) -> list[str]:
    return [image["id"] for image in answer.json()]  # type: ignore[attr-defined]


# --- upload (op 16) ------------------------------------------------------------------------


def test_upload_user_image_as_owner_answers_201_with_bare_id_and_location(world: World) -> None:
    answer = world.user("alice").upload_user_image("alice", jpeg())
    assert answer.status_code == 201
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.text.isdigit()
    view = world.guest().view_image(answer.text).json()
    assert answer.headers["location"] == view["url"]


def test_upload_user_image_location_serves_the_image(world: World) -> None:
    answer = world.user("alice").upload_user_image("alice", jpeg())
    content = world.guest().call("GET", answer.headers["location"].split("/api", 1)[1])
    assert content.status_code == 200
    assert content.headers["content-type"] == "image/jpeg"


def test_upload_user_image_without_name_uses_the_file_name(world: World) -> None:
    image_id = world.user("alice").upload_user_image("alice", jpeg(seed=3)).text
    assert world.guest().view_image(image_id).json()["name"] == "photo3.jpg"


def test_upload_user_image_with_name_in_query_uses_it(world: World) -> None:
    answer = world.user("alice").upload_user_image("alice", jpeg(), name="my photo, 1/2")
    assert world.guest().view_image(answer.text).json()["name"] == "my photo, 1/2"


@pytest.mark.parametrize("user", ["self", "alice"])
def test_upload_user_image_as_guest_answers_401_missing_authorization(
    world: World, user: str
) -> None:
    answer = world.guest().upload_user_image(user, jpeg())
    assert answer.status_code == 401
    assert answer.json() == {"code": "missingAuthorization"}


def test_upload_user_image_as_another_user_answers_403_permission_denied(world: World) -> None:
    answer = world.user("bob").upload_user_image("alice", jpeg())
    assert answer.status_code == 403
    assert answer.json() == {"code": "permissionDenied"}


@pytest.mark.parametrize("manager", ["boss", "root"])
def test_upload_user_image_as_manager_adds_to_the_owners_profile(
    world: World, manager: str
) -> None:
    answer = world.user(manager).upload_user_image("alice", jpeg())
    assert answer.status_code == 201
    assert _ids(world.guest().list_user_images("alice")) == [answer.text]


def test_upload_user_image_over_max_images_answers_422_max_items(world: World) -> None:
    uploaded(world)
    with world.rt.transaction() as session:
        session.execute(
            update(Album).where(Album.kind == vocabulary.CYCLOS_PROFILE.kind).values(max_images=1)
        )
    answer = world.user("alice").upload_user_image("alice", jpeg(seed=1))
    assert answer.status_code == 422
    assert answer.json() == {"code": "maxItems", "maxItems": 1}


def test_upload_user_image_over_16_mib_answers_422_file_upload_size(world: World) -> None:
    too_big = samples.jpeg() + b"\0" * (16 * 1024 * 1024)
    answer = world.user("alice").upload_user_image("alice", ("big.jpg", too_big))
    assert answer.status_code == 422
    assert answer.json() == {"code": "fileUploadSize", "maxFileSize": 16 * 1024 * 1024}


def test_upload_user_image_without_image_part_answers_422_missing_parameter(
    world: World,
) -> None:
    answer = world.user("alice").call("POST", "/alice/images")
    assert answer.status_code == 422
    assert answer.json() == {"code": "missingParameter", "name": "image"}


def test_upload_user_image_that_is_not_an_image_answers_422_validation(world: World) -> None:
    answer = world.user("alice").upload_user_image("alice", ("notes.txt", b"hello world" * 10))
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation"


def test_upload_user_image_trusts_the_bytes_not_the_part_type(world: World) -> None:
    answer = world.user("alice").upload_user_image("alice", ("really-a-png.jpg", samples.png()))
    assert world.guest().view_image(answer.text).json()["contentType"] == "image/png"


def test_upload_user_image_with_unknown_kind_answers_422_data_conversion(world: World) -> None:
    answer = world.user("alice").upload_user_image("alice", jpeg(), kind="banner")
    assert answer.status_code == 422
    assert answer.json() == {"code": "dataConversion", "value": "banner"}


def test_upload_user_image_of_custom_kind_is_listed_as_custom_only(world: World) -> None:
    image_id = uploaded(world, kind="custom")
    alice = world.user("alice")
    assert _ids(alice.list_user_images("alice", kind="custom")) == [image_id]
    assert _ids(alice.list_user_images("alice")) == []


def test_upload_user_image_webp_is_described_as_png_or_jpeg(world: World) -> None:
    answer = world.user("alice").upload_user_image("alice", ("pic.webp", samples.webp()))
    assert answer.status_code == 201
    assert world.guest().view_image(answer.text).json()["contentType"] == "image/jpeg"


# --- list (op 9) ---------------------------------------------------------------------------


def test_list_user_images_returns_full_image_objects_in_order(world: World) -> None:
    first, second = uploaded(world, seed=1), uploaded(world, seed=2)
    answer = world.guest().list_user_images("alice")
    assert answer.status_code == 200
    assert _ids(answer) == [first, second]
    image = answer.json()[0]
    assert set(image) == IMAGE_KEYS
    assert (image["contentType"], image["width"], image["height"]) == ("image/jpeg", 64, 48)
    assert image["url"].endswith(f"/api/images/content/{image['url'].rsplit('/', 1)[1]}")


@pytest.mark.parametrize("viewer", ["guest", "alice", "bob", "boss"])
def test_list_user_images_profile_is_visible_to_everyone(world: World, viewer: str) -> None:
    image_id = uploaded(world)
    client = world.guest() if viewer == "guest" else world.user(viewer)
    assert _ids(client.list_user_images("alice")) == [image_id]


@pytest.mark.parametrize(
    ("viewer", "status"), [("guest", 401), ("bob", 403), ("alice", 200), ("boss", 200)]
)
def test_list_user_images_custom_only_for_owner_and_managers(
    world: World, viewer: str, status: int
) -> None:
    uploaded(world, kind="custom")
    client = world.guest() if viewer == "guest" else world.user(viewer)
    assert client.list_user_images("alice", kind="custom").status_code == status


def test_list_user_images_of_unknown_user_answers_404_user(world: World) -> None:
    answer = world.guest().list_user_images("nobody")
    assert answer.status_code == 404
    assert answer.json() == {"entityType": "user", "key": "nobody"}


def test_list_user_images_by_id_finds_the_user(world: World) -> None:
    image_id = uploaded(world)
    assert _ids(world.guest().list_user_images(str(world.ids["alice"]))) == [image_id]


def test_list_user_images_by_unknown_id_answers_404(world: World) -> None:
    assert world.guest().list_user_images("999999").status_code == 404


def test_list_user_images_by_quoted_number_finds_the_login_name(world: World) -> None:
    add_user(world.rt, "4242")
    image_id = uploaded(world, user="4242")
    assert _ids(world.guest().list_user_images("'4242")) == [image_id]
    assert world.guest().list_user_images("4242").status_code == 404  # a number is an id


def test_list_user_images_by_email_finds_the_user(world: World) -> None:
    add_user(world.rt, "carol", email="carol@example.com")
    image_id = uploaded(world, user="carol")
    assert _ids(world.guest().list_user_images("carol@example.com")) == [image_id]


def test_list_user_images_self_is_the_caller(world: World) -> None:
    image_id = uploaded(world)
    assert _ids(world.user("alice").list_user_images("self")) == [image_id]


def test_list_user_images_of_inactive_user_answers_404_to_others(world: World) -> None:
    uploaded(world)
    with world.rt.transaction() as session:
        session.execute(update(Principal).where(Principal.name == "alice").values(active=False))
    assert world.guest().list_user_images("alice").status_code == 404
    assert world.user("boss").list_user_images("alice").status_code == 200


# --- list-data (op 6) ----------------------------------------------------------------------


def test_list_data_as_owner_can_manage_and_create(world: World) -> None:
    image_id = uploaded(world)
    body = world.user("alice").get_user_images_list_data("alice").json()
    assert body["canManage"] is True
    assert body["canCreate"] is True
    assert body["maxImages"] == 10
    assert body["availability"] == "optional"
    assert [image["id"] for image in body["images"]] == [image_id]


@pytest.mark.parametrize("viewer", ["guest", "bob"])
def test_list_data_as_non_owner_cannot_manage(world: World, viewer: str) -> None:
    client = world.guest() if viewer == "guest" else world.user(viewer)
    body = client.get_user_images_list_data("alice").json()
    assert (body["canManage"], body["canCreate"]) == (False, False)


def test_list_data_as_manager_can_manage(world: World) -> None:
    assert world.user("boss").get_user_images_list_data("alice").json()["canManage"] is True


def test_list_data_of_custom_images_has_the_custom_maximum(world: World) -> None:
    body = world.user("alice").get_user_images_list_data("alice", kind="custom").json()
    assert body["maxImages"] == 50


def test_list_data_before_any_upload_answers_the_limits_and_writes_nothing(world: World) -> None:
    body = world.guest().get_user_images_list_data("bob").json()
    assert (body["images"], body["maxImages"]) == ([], 10)
    custom = world.user("root").get_user_images_list_data("bob", kind="custom").json()
    assert (custom["images"], custom["maxImages"]) == ([], 50)
    assert world.user("bob").list_user_images("bob", kind="custom").json() == []
    with world.rt.reading() as session:
        owners = session.scalars(select(Space.external_id).where(Space.kind == "personal"))
        assert str(world.ids["bob"]) not in set(owners)


def test_list_data_when_full_cannot_create(world: World) -> None:
    uploaded(world)
    with world.rt.transaction() as session:
        session.execute(
            update(Album).where(Album.kind == vocabulary.CYCLOS_PROFILE.kind).values(max_images=1)
        )
    body = world.user("alice").get_user_images_list_data("alice").json()
    assert (body["canCreate"], body["maxImages"]) == (False, 1)


# --- fields ----------------------------------------------------------------------------------


def test_list_user_images_with_fields_whitelist_keeps_only_those(world: World) -> None:
    uploaded(world)
    answer = world.guest().list_user_images("alice", fields=["id", "width"])
    assert set(answer.json()[0]) == {"id", "width"}


def test_list_user_images_with_fields_comma_separated_combines_them(world: World) -> None:
    uploaded(world)
    answer = world.guest().list_user_images("alice", fields=["id,name", "url"])
    assert set(answer.json()[0]) == {"id", "name", "url"}


@pytest.mark.parametrize("prefix", ["-", "!"])
def test_list_user_images_with_fields_blacklist_drops_those(world: World, prefix: str) -> None:
    uploaded(world)
    answer = world.guest().list_user_images("alice", fields=[f"{prefix}url", f"{prefix}length"])
    assert set(answer.json()[0]) == IMAGE_KEYS - {"url", "length"}


def test_list_data_with_nested_fields_selects_inside_images(world: World) -> None:
    image_id = uploaded(world)
    answer = world.guest().get_user_images_list_data("alice", fields=["maxImages", "images.id"])
    assert answer.json() == {"maxImages": 10, "images": [{"id": image_id}]}


def test_list_data_with_nested_blacklist_drops_inside_images(world: World) -> None:
    uploaded(world)
    answer = world.guest().get_user_images_list_data("alice", fields=["images.-url"])
    assert set(answer.json()) == {"images"}
    assert set(answer.json()["images"][0]) == IMAGE_KEYS - {"url"}


# --- reorder (op 11) -------------------------------------------------------------------------


def test_reorder_profile_images_as_owner_answers_204_and_changes_order(world: World) -> None:
    first, second, third = (uploaded(world, seed=seed) for seed in (1, 2, 3))
    answer = world.user("alice").reorder_profile_images("alice", [third, first, second])
    assert answer.status_code == 204
    assert answer.content == b""
    assert _ids(world.guest().list_user_images("alice")) == [third, first, second]


def test_reorder_profile_images_with_some_ids_keeps_the_others_after_them(world: World) -> None:
    first, second, third = (uploaded(world, seed=seed) for seed in (1, 2, 3))
    world.user("alice").reorder_profile_images("alice", [third])
    assert _ids(world.guest().list_user_images("alice")) == [third, first, second]


def test_reorder_profile_images_with_another_owners_id_is_refused_unchanged(
    world: World,
) -> None:
    first, second = uploaded(world, seed=1), uploaded(world, seed=2)
    foreign = uploaded(world, user="bob", seed=3)
    answer = world.user("alice").reorder_profile_images("alice", [second, foreign, first])
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation"
    assert _ids(world.guest().list_user_images("alice")) == [first, second]


def test_reorder_profile_images_as_guest_answers_401(world: World) -> None:
    image_id = uploaded(world)
    answer = world.guest().reorder_profile_images("alice", [image_id])
    assert answer.json() == {"code": "missingAuthorization"}


def test_reorder_profile_images_as_another_user_answers_403(world: World) -> None:
    image_id = uploaded(world)
    assert world.user("bob").reorder_profile_images("alice", [image_id]).status_code == 403


def test_reorder_profile_images_as_manager_answers_204(world: World) -> None:
    first, second = uploaded(world, seed=1), uploaded(world, seed=2)
    assert world.user("boss").reorder_profile_images("alice", [second, first]).status_code == 204
    assert _ids(world.guest().list_user_images("alice")) == [second, first]


def test_reorder_profile_images_without_ids_answers_422_missing_parameter(world: World) -> None:
    answer = world.user("alice").call("PUT", "/alice/images/order")
    assert answer.json() == {"code": "missingParameter", "name": "ids"}


def test_reorder_profile_images_with_non_numeric_id_answers_422_data_conversion(
    world: World,
) -> None:
    answer = world.user("alice").reorder_profile_images("alice", ["1", "x"])
    assert answer.status_code == 422
    assert answer.json()["code"] == "dataConversion"
