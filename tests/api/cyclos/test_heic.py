"""HEIC at the Cyclos door: Cyclos takes PNG, JPEG, GIF and WebP (spec C3) and serves PNG,
JPEG or GIF, so a phone's HEIC upload is refused with Cyclos' 422 ``validation``."""

from __future__ import annotations

from tests import images as samples
from tests.api.cyclos.conftest import World


def test_upload_user_image_of_heic_answers_422_validation(world: World) -> None:
    answer = world.user("alice").upload_user_image("alice", ("IMG_0001.HEIC", samples.heic_photo()))
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation"


def test_upload_ad_image_of_heic_answers_422_validation(world: World) -> None:
    client = world.user("alice")
    answer = client.call(
        "POST", "/marketplace/123/images", image=("IMG_0001.HEIC", samples.heic_photo())
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation"
