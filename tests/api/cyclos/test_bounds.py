"""Cyclos inputs within bounds (issue 11): uploads refused unread when the caller may not send
them, names without control characters, id lists of bounded length."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.api.cyclos.conftest import World, jpeg
from tests.unsent_body import answer_without_body


def _path(world: World, tail: str) -> str:
    return urlsplit(world.api).path + tail


def test_unauthenticated_cyclos_upload_is_refused_before_the_body_is_read(world: World) -> None:
    answer = answer_without_body(world.api, "POST", _path(world, "/alice/images"))
    assert answer.status_code == 401
    assert answer.json() == {"code": "missingAuthorization"}


def test_unauthenticated_ad_image_upload_is_refused_before_the_body_is_read(world: World) -> None:
    answer = answer_without_body(world.api, "POST", _path(world, "/marketplace/1/images"))
    assert answer.status_code == 401


def test_guest_temp_image_for_a_profile_is_refused_before_the_body_is_read(world: World) -> None:
    target = _path(world, "/images/temp?target=userProfile")
    answer = answer_without_body(world.api, "POST", target)
    assert answer.status_code == 401


def test_wrong_password_on_an_upload_is_refused_before_the_body_is_read(world: World) -> None:
    wrong = {"Authorization": "Basic YWxpY2U6bm90LWhlci1wYXNzd29yZA=="}  # alice:not-her-password
    answer = answer_without_body(world.api, "POST", _path(world, "/alice/images"), wrong)
    assert answer.status_code == 401


def test_nul_in_an_image_name_is_a_422_validation(world: World) -> None:
    answer = world.user("alice").upload_user_image("alice", jpeg(), name="a\x00b")
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation"
    assert answer.json()["properties"] == ["name"]


def test_a_list_of_two_thousand_ids_is_refused(world: World) -> None:
    ids = ",".join(str(n) for n in range(1, 2001))
    answer = world.user("alice").call("PUT", f"/alice/images/order?ids={ids}")
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "dataConversion"
