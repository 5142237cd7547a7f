"""One image by id or key: view (op 17), delete (op 1) and content (ops 3, 4, 5) over real
HTTP, as the generated client sends them (``client.py``; ``Accept: application/json`` even on
content requests)."""

from __future__ import annotations

import httpx
import pytest
import pyvips

from darkroom.media import ImageFormat, sniff
from tests import images as samples
from tests.api.cyclos.client import CyclosClient
from tests.api.cyclos.conftest import AD, World, uploaded

VIEW_KEYS = {"id", "name", "contentType", "length", "url", "width", "height", "kind"}


def _key(world: World, image_id: str) -> str:
    url: str = world.guest().view_image(image_id).json()["url"]
    return url.rsplit("/", 1)[1]


def _decoded(data: bytes) -> tuple[ImageFormat, int, int]:
    image = pyvips.Image.new_from_buffer(data, "")
    return sniff(data[:64]), image.width, image.height


def _client(world: World, who: str) -> CyclosClient:
    return world.guest() if who == "guest" else world.user(who)


# --- view (op 17) --------------------------------------------------------------------------


def test_view_image_answers_image_view_with_kind(world: World) -> None:
    image_id = uploaded(world)
    body = world.guest().view_image(image_id).json()
    assert set(body) == VIEW_KEYS | {"convertedToJpeg"}
    assert (body["id"], body["kind"], body["convertedToJpeg"]) == (image_id, "profile", False)


def test_view_image_by_key_is_the_same_image(world: World) -> None:
    image_id = uploaded(world)
    assert world.guest().view_image(_key(world, image_id)).json()["id"] == image_id


@pytest.mark.parametrize(("kind", "expected"), [("profile", "profile"), ("custom", "userCustom")])
def test_view_image_names_the_image_kind(world: World, kind: str, expected: str) -> None:
    image_id = uploaded(world, kind=kind)
    assert world.user("alice").view_image(image_id).json()["kind"] == expected


def test_view_ad_image_kind_is_marketplace(world: World) -> None:
    image_id = world.user("alice").upload_ad_image(AD, ("ad.png", samples.png())).text
    assert world.guest().view_image(image_id).json()["kind"] == "marketplace"


@pytest.mark.parametrize(
    ("who", "status"), [("guest", 401), ("bob", 403), ("alice", 200), ("boss", 200)]
)
def test_view_custom_image_by_id_only_for_owner_and_managers(
    world: World, who: str, status: int
) -> None:
    image_id = uploaded(world, kind="custom")
    assert _client(world, who).view_image(image_id).status_code == status


def test_view_custom_image_by_bare_key_is_refused_to_guests(world: World) -> None:
    image_id = uploaded(world, kind="custom")
    url = world.user("alice").view_image(image_id).json()["url"]
    key = url.split("?", 1)[0].rsplit("/", 1)[1]
    assert world.guest().view_image(key).status_code == 401


def test_view_custom_image_by_key_with_its_signature_is_a_capability(world: World) -> None:
    image_id = uploaded(world, kind="custom")
    url = world.user("alice").view_image(image_id).json()["url"]
    key_and_query = url.rsplit("/", 1)[1]
    assert httpx.get(f"{world.api}/images/{key_and_query}").status_code == 200


def test_view_unknown_image_answers_404_image(world: World) -> None:
    answer = world.guest().view_image("424242")
    assert answer.status_code == 404
    assert answer.json() == {"entityType": "image", "key": "424242"}


def test_view_image_with_fields_selects_keys(world: World) -> None:
    image_id = uploaded(world)
    assert world.guest().view_image(image_id, fields=["kind", "id"]).json() == {
        "kind": "profile",
        "id": image_id,
    }


# --- delete (op 1) -------------------------------------------------------------------------


def test_delete_image_as_owner_answers_204_then_404(world: World) -> None:
    image_id = uploaded(world)
    answer = world.user("alice").delete_image(image_id)
    assert answer.status_code == 204
    assert answer.content == b""
    assert world.guest().view_image(image_id).status_code == 404


def test_delete_image_by_key_answers_204(world: World) -> None:
    image_id = uploaded(world)
    assert world.user("alice").delete_image(_key(world, image_id)).status_code == 204


def test_delete_image_anonymously_answers_401_missing_authorization(world: World) -> None:
    image_id = uploaded(world)
    answer = world.guest().delete_image(image_id)
    assert answer.status_code == 401
    assert answer.json() == {"code": "missingAuthorization"}


def test_delete_image_as_another_user_answers_403_and_keeps_it(world: World) -> None:
    image_id = uploaded(world)
    assert world.user("bob").delete_image(image_id).json() == {"code": "permissionDenied"}
    assert world.guest().view_image(image_id).status_code == 200


def test_delete_image_as_manager_answers_204(world: World) -> None:
    image_id = uploaded(world)
    assert world.user("boss").delete_image(image_id).status_code == 204


def test_delete_unknown_image_answers_404(world: World) -> None:
    assert world.user("alice").delete_image("999").json() == {"entityType": "image", "key": "999"}


# --- content (ops 3, 4, 5) -----------------------------------------------------------------


def test_content_without_size_answers_the_original_bytes(world: World) -> None:
    original = samples.jpeg(seed=5)
    image_id = world.user("alice").upload_user_image("self", ("a.jpg", original)).text
    answer = world.guest().get_image_content(image_id)  # Accept: application/json
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.content == original
    assert "content-disposition" not in answer.headers


def test_content_by_key_answers_the_image(world: World) -> None:
    image_id = uploaded(world)
    answer = world.guest().get_image_content(_key(world, image_id))
    assert _decoded(answer.content) == (ImageFormat.JPEG, 64, 48)


@pytest.mark.parametrize(
    ("width", "height", "size"),
    [(32, None, (32, 24)), (None, 12, (16, 12)), (32, 12, (16, 12)), (20, 100, (20, 15))],
)
def test_content_with_width_or_height_fits_keeping_the_ratio(
    world: World, width: int | None, height: int | None, size: tuple[int, int]
) -> None:
    image_id = uploaded(world)  # 64 x 48
    answer = world.guest().get_image_content(image_id, width=width, height=height)
    assert _decoded(answer.content) == (ImageFormat.JPEG, *size)


def test_content_larger_than_the_original_is_not_enlarged(world: World) -> None:
    image_id = uploaded(world)
    answer = world.guest().get_image_content(image_id, width=640, height=4800)
    assert _decoded(answer.content)[1:] == (64, 48)


@pytest.mark.parametrize("value", ["0", "-3", "abc", "99999999999999999999"])
def test_content_with_invalid_width_answers_422_data_conversion(world: World, value: str) -> None:
    image_id = uploaded(world)
    answer = world.guest().call(
        "GET", f"/images/content/{image_id}", query=[("width", value)], secured=False
    )
    assert answer.status_code == 422
    assert answer.json() == {"code": "dataConversion", "value": value}


def test_content_with_if_none_match_answers_304(world: World) -> None:
    image_id = uploaded(world)
    first = world.guest().get_image_content(image_id, width=10)
    etag = first.headers["etag"]
    again = world.guest().call(
        "GET",
        f"/images/content/{image_id}",
        query=[("width", 10)],
        secured=False,
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304
    assert again.headers["etag"] == etag


def test_content_of_webp_without_alpha_is_served_as_jpeg(world: World) -> None:
    image_id = world.user("alice").upload_user_image("self", ("a.webp", samples.webp())).text
    answer = world.guest().get_image_content(image_id)
    assert answer.headers["content-type"] == "image/jpeg"
    assert _decoded(answer.content) == (ImageFormat.JPEG, 64, 48)


def test_content_of_webp_with_alpha_is_served_as_png(world: World) -> None:
    rgba = pyvips.Image.black(20, 10, bands=3).bandjoin(128).copy(interpretation="srgb")
    data = rgba.webpsave_buffer()
    image_id = world.user("alice").upload_user_image("self", ("a.webp", data)).text
    assert world.guest().view_image(image_id).json()["contentType"] == "image/png"
    answer = world.guest().get_image_content(image_id, width=10)
    assert _decoded(answer.content) == (ImageFormat.PNG, 10, 5)


def test_content_of_gif_is_served_as_gif(world: World) -> None:
    image_id = world.user("alice").upload_user_image("self", ("a.gif", samples.gif())).text
    answer = world.guest().get_image_content(image_id)
    assert answer.headers["content-type"] == "image/gif"


@pytest.mark.parametrize(
    ("who", "status"), [("guest", 401), ("bob", 403), ("alice", 200), ("boss", 200)]
)
@pytest.mark.parametrize("operation", ["get_image_content", "get_image_content_by_id"])
def test_content_of_custom_image_by_id_only_for_owner_and_managers(
    world: World, operation: str, who: str, status: int
) -> None:
    image_id = uploaded(world, kind="custom")
    assert getattr(_client(world, who), operation)(image_id).status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [("guest", 401), ("bob", 403), ("alice", 200), ("boss", 200)]
)
def test_content_by_kind_and_file_of_custom_image_without_signature_only_for_who_may_see_it(
    world: World, who: str, status: int
) -> None:
    # Custom images are not for every guest: their bare key is no longer a capability.
    image_id = uploaded(world, kind="custom")
    url = world.user("alice").view_image(image_id).json()["url"]
    key = url.split("?", 1)[0].rsplit("/", 1)[1]
    answer = _client(world, who).get_image_content_deprecated("userCustom", key)
    assert answer.status_code == status


@pytest.mark.parametrize("who", ["guest", "bob"])
def test_signed_content_url_of_custom_image_is_a_capability_until_it_expires(
    world: World, who: str
) -> None:
    image_id = uploaded(world, kind="custom")
    url = world.user("alice").view_image(image_id).json()["url"]
    assert "signature=" in url and "expires=" in url
    assert httpx.get(url).status_code == 200
    tampered = url.replace("signature=", "signature=x")
    assert httpx.get(tampered).status_code == 401  # as if unsigned: a guest must log in


def test_content_of_custom_image_is_not_publicly_cacheable(world: World) -> None:
    image_id = uploaded(world, kind="custom")
    answer = world.user("alice").get_image_content(image_id)
    assert answer.headers["cache-control"].startswith("private")


def test_content_of_unknown_image_answers_404(world: World) -> None:
    assert world.guest().get_image_content("nope.jpg").json() == {
        "entityType": "image",
        "key": "nope.jpg",
    }


def test_content_by_id_deprecated_path_answers_the_image(world: World) -> None:
    image_id = uploaded(world)
    answer = world.guest().get_image_content_by_id(image_id, height=24)
    assert _decoded(answer.content) == (ImageFormat.JPEG, 32, 24)


def test_content_by_kind_and_file_answers_the_image(world: World) -> None:
    image_id = uploaded(world)
    answer = world.guest().get_image_content_deprecated("profile", _key(world, image_id))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"


def test_content_by_wrong_kind_and_file_answers_404(world: World) -> None:
    image_id = uploaded(world)
    answer = world.guest().get_image_content_deprecated("marketplace", _key(world, image_id))
    assert answer.status_code == 404


def test_content_by_unknown_kind_answers_422_data_conversion(world: World) -> None:
    image_id = uploaded(world)
    answer = world.guest().get_image_content_deprecated("banana", _key(world, image_id))
    assert answer.json() == {"code": "dataConversion", "value": "banana"}
