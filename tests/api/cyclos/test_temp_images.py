"""Temporary images (ops 8, 15) over real HTTP, as the generated client sends them
(``client.py``): guest keys and addresses, targets, expiry and attachment."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from darkroom.api import vocabulary
from darkroom.api.cyclos import entities
from darkroom.api.cyclos.entities import Destination
from darkroom.clock import utcnow
from darkroom.db.models import Album, Image, Space
from darkroom.errors import NotFound
from tests import images as samples
from tests.api.cyclos.conftest import AD, World, jpeg

TINY = ("tiny.png", samples.png(8, 8))


def _ids(answer: object) -> list[str]:
    return [image["id"] for image in answer.json()]  # type: ignore[attr-defined]


def _upload_as_guest(world: World, **options: object) -> str:
    answer = world.guest().upload_temp_image(jpeg(), **options)
    assert answer.status_code == 201, answer.text
    return answer.text


def _expire(world: World, image_id: str) -> None:
    with world.rt.transaction() as session:
        session.execute(
            update(Image)
            .where(Image.id == int(image_id))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


# --- upload (op 15) ------------------------------------------------------------------------


def test_upload_temp_image_as_guest_answers_201_with_temp_kind(world: World) -> None:
    answer = world.guest().upload_temp_image(jpeg(), guest_key="k1", target="userRegistration")
    assert answer.status_code == 201
    assert answer.headers["content-type"].startswith("text/plain")
    # The Location is signed (temporary images are not for every guest): it opens the view too.
    key_and_query = answer.headers["location"].rsplit("/", 1)[1]
    assert httpx.get(f"{world.api}/images/{key_and_query}").json()["kind"] == "temp"


def test_upload_temp_image_expires_after_24_hours(world: World) -> None:
    image_id = _upload_as_guest(world, guest_key="k1")
    with world.rt.transaction() as session:
        expires = session.scalar(select(Image.expires_at).where(Image.id == int(image_id)))
    assert expires is not None
    assert abs(expires - (utcnow() + timedelta(hours=24))) < timedelta(minutes=1)


def test_upload_temp_image_as_user_is_listed_for_the_user(world: World) -> None:
    answer = world.user("alice").upload_temp_image(jpeg(), target="userProfile")
    assert _ids(world.user("alice").list_temp_images()) == [answer.text]
    assert _ids(world.user("bob").list_temp_images()) == []


def test_upload_temp_image_as_guest_for_user_profile_answers_401(world: World) -> None:
    answer = world.guest().upload_temp_image(jpeg(), target="userProfile", user="alice")
    assert answer.json() == {"code": "missingAuthorization"}


def test_upload_temp_image_for_another_users_profile_answers_403(world: World) -> None:
    answer = world.user("bob").upload_temp_image(jpeg(), target="userProfile", user="alice")
    assert answer.json() == {"code": "permissionDenied"}


def test_upload_temp_image_as_manager_for_a_users_ad_answers_201(world: World) -> None:
    answer = world.user("boss").upload_temp_image(jpeg(), target="advertisement", user="alice")
    assert answer.status_code == 201


def test_upload_temp_image_for_unknown_user_answers_404_user(world: World) -> None:
    answer = world.user("alice").upload_temp_image(jpeg(), target="userProfile", user="zed")
    assert answer.json() == {"entityType": "user", "key": "zed"}


def test_upload_temp_image_with_unknown_target_answers_422_data_conversion(world: World) -> None:
    answer = world.guest().upload_temp_image(jpeg(), target="spaceship")
    assert answer.json() == {"code": "dataConversion", "value": "spaceship"}


def test_upload_temp_custom_value_without_field_answers_422_missing_parameter(
    world: World,
) -> None:
    answer = world.guest().upload_temp_image(jpeg(), target="customValue")
    assert answer.json() == {"code": "missingParameter", "name": "customField"}


def test_upload_temp_custom_value_with_unknown_field_kind_answers_422(world: World) -> None:
    answer = world.guest().upload_temp_image(
        jpeg(), target="customValue", custom_field="photo", custom_field_kind="galaxy"
    )
    assert answer.json() == {"code": "dataConversion", "value": "galaxy"}


def test_upload_temp_image_as_guest_over_10_answers_422_max_items(world: World) -> None:
    guest = world.guest()
    for _ in range(vocabulary.CYCLOS_GUEST_TEMP.policy.max_images):
        assert guest.upload_temp_image(TINY, guest_key="busy").status_code == 201
    answer = guest.upload_temp_image(TINY, guest_key="busy")
    assert answer.json() == {"code": "maxItems", "maxItems": 10}
    assert guest.upload_temp_image(TINY, guest_key="other").status_code == 201


def test_upload_temp_image_as_guest_after_expiry_frees_room(world: World) -> None:
    guest = world.guest()
    ids = [guest.upload_temp_image(TINY, guest_key="busy").text for _ in range(10)]
    _expire(world, ids[0])
    assert guest.upload_temp_image(TINY, guest_key="busy").status_code == 201


# --- list (op 8) ---------------------------------------------------------------------------


def test_list_temp_images_as_guest_matches_the_guest_key(world: World) -> None:
    image_id = _upload_as_guest(world, guest_key="k1")
    assert _ids(world.guest().list_temp_images(guest_key="k1")) == [image_id]
    assert _ids(world.guest().list_temp_images(guest_key="k2")) == []


def test_list_temp_images_as_guest_without_key_matches_the_address(world: World) -> None:
    image_id = _upload_as_guest(world)
    assert _ids(world.guest().list_temp_images()) == [image_id]
    assert _ids(world.guest().list_temp_images(guest_key="k1")) == []


def test_list_temp_images_with_empty_guest_key_treats_it_as_absent(world: World) -> None:
    image_id = _upload_as_guest(world, guest_key="")
    answer = world.guest().call("GET", "/images/temp?guestKey=&target=&user=", secured=False)
    assert _ids(answer) == [image_id]


def test_list_temp_images_before_any_upload_writes_nothing(world: World) -> None:
    assert _ids(world.guest().list_temp_images(guest_key="k1")) == []
    assert _ids(world.user("bob").list_temp_images()) == []
    with world.rt.reading() as session:
        assert session.scalar(select(func.count(Album.id)).where(Album.kind == "temporary")) == 0
        assert session.scalar(select(Space.id).where(Space.external_id == "guests")) is None


def test_list_temp_images_as_user_ignores_the_guest_key(world: World) -> None:
    image_id = world.user("alice").upload_temp_image(jpeg(), guest_key="k1").text
    assert _ids(world.user("alice").list_temp_images(guest_key="k9")) == [image_id]
    assert _ids(world.guest().list_temp_images(guest_key="k1")) == []


def test_list_temp_images_as_manager_lists_only_their_own(world: World) -> None:
    world.user("alice").upload_temp_image(jpeg())
    assert _ids(world.user("boss").list_temp_images()) == []


def test_list_temp_images_filters_by_target_and_user(world: World) -> None:
    alice = world.user("alice")
    profile = alice.upload_temp_image(jpeg(seed=1), target="userProfile").text
    alice.upload_temp_image(jpeg(seed=2), target="advertisement")
    assert _ids(alice.list_temp_images(target="userProfile")) == [profile]
    assert _ids(alice.list_temp_images(target="userProfile", user="alice")) == [profile]
    assert _ids(alice.list_temp_images(target="userProfile", user="bob")) == []


def test_list_temp_images_filters_by_custom_field(world: World) -> None:
    image_id = _upload_as_guest(
        world, target="customValue", custom_field="avatar", custom_field_kind="user"
    )
    guest = world.guest()
    assert _ids(guest.list_temp_images(custom_field="avatar", custom_field_kind="user")) == [
        image_id
    ]
    assert _ids(guest.list_temp_images(custom_field="logo")) == []


def test_list_temp_images_with_fields_selects_keys(world: World) -> None:
    image_id = _upload_as_guest(world, guest_key="k1")
    answer = world.guest().list_temp_images(fields=["id"], guest_key="k1")
    assert answer.json() == [{"id": image_id}]


# --- expiry and attachment -----------------------------------------------------------------


def test_expired_temp_image_is_gone_from_list_view_and_content(world: World) -> None:
    image_id = _upload_as_guest(world, guest_key="k1")
    _expire(world, image_id)
    guest = world.guest()
    assert _ids(guest.list_temp_images(guest_key="k1")) == []
    assert guest.view_image(image_id).status_code == 404
    assert guest.get_image_content(image_id).status_code == 404


def test_temp_image_of_a_user_is_hidden_from_others_by_id(world: World) -> None:
    image_id = world.user("alice").upload_temp_image(jpeg()).text
    assert world.user("bob").view_image(image_id).status_code == 403
    assert world.user("alice").view_image(image_id).status_code == 200


def test_temp_image_of_a_user_can_be_deleted_by_them(world: World) -> None:
    image_id = world.user("alice").upload_temp_image(jpeg()).text
    assert world.user("alice").delete_image(image_id).status_code == 204


def test_attach_temp_image_to_profile_makes_it_a_lasting_profile_image(world: World) -> None:
    image_id = _upload_as_guest(world, guest_key="k1", target="userRegistration")
    entities.attach(world.rt, image_id, Destination(profile_of="alice"))
    assert _ids(world.guest().list_user_images("alice")) == [image_id]
    assert _ids(world.guest().list_temp_images(guest_key="k1")) == []
    body = world.guest().view_image(image_id).json()
    assert body["kind"] == "profile"
    with world.rt.transaction() as session:
        assert session.get_one(Image, int(image_id)).expires_at is None


def test_attach_temp_image_to_ad_adds_it_to_the_ad(world: World) -> None:
    image_id = world.user("alice").upload_temp_image(jpeg(), target="advertisement").text
    entities.attach(world.rt, image_id, Destination(advertisement=AD))
    assert _ids(world.guest().list_ad_images(AD)) == [image_id]


def test_attach_expired_temp_image_is_refused(world: World) -> None:
    image_id = _upload_as_guest(world, guest_key="k1")
    _expire(world, image_id)
    with pytest.raises(NotFound):
        entities.attach(world.rt, image_id, Destination(profile_of="alice"))
