"""Cyclos content: only its uploader gets a photo with the place it was taken; everyone else gets
the same pixels without it. Private images stay out of shared caches; every image says nosniff."""

from __future__ import annotations

import pyvips

from tests import images as samples
from tests.api.cyclos.conftest import World

GPS = {
    "exif-ifd3-GPSLatitudeRef": "N",
    "exif-ifd3-GPSLatitude": "51/1 30/1 2/1",
    "exif-ifd3-GPSLongitudeRef": "W",
    "exif-ifd3-GPSLongitude": "0/1 7/1 39/1",
}


def _photo_of(world: World, user: str, kind: str | None = None) -> tuple[str, str]:
    """The id and key of a new image of ``user`` holding GPS coordinates."""
    photo = ("phone.jpg", samples.jpeg_with_exif(GPS, width=120, height=80))
    answer = world.session_of(user).upload_user_image("self", photo, kind=kind)
    assert answer.status_code == 201, answer.text
    image_id = answer.text
    key = world.user(user).view_image(image_id).json()["url"].rsplit("/", 1)[-1]
    return image_id, key


def _gps_fields(data: bytes) -> list[str]:
    return [f for f in pyvips.Image.new_from_buffer(data, "").get_fields() if "GPS" in f]


def test_the_uploader_gets_the_photo_as_uploaded(world: World) -> None:
    image_id, _key = _photo_of(world, "alice")
    sent = world.user("alice").get_image_content_by_id(image_id)
    assert sent.status_code == 200
    assert _gps_fields(sent.content) != []


def test_a_guest_gets_the_photo_without_its_location(world: World) -> None:
    _image_id, key = _photo_of(world, "alice")
    sent = world.guest().get_image_content(key)
    assert sent.status_code == 200
    assert _gps_fields(sent.content) == []


def test_another_user_gets_the_photo_without_its_location(world: World) -> None:
    image_id, _key = _photo_of(world, "alice")
    sent = world.user("bob").get_image_content_by_id(image_id)
    assert sent.status_code == 200
    assert _gps_fields(sent.content) == []


def test_the_copy_without_location_has_the_same_pixels(world: World) -> None:
    image_id, key = _photo_of(world, "alice")
    theirs = world.user("alice").get_image_content_by_id(image_id).content
    shared = world.guest().get_image_content(key).content
    difference = pyvips.Image.new_from_buffer(theirs, "") - pyvips.Image.new_from_buffer(shared, "")
    assert difference.abs().max() == 0
    assert len(shared) < len(theirs)


def test_content_says_nosniff(world: World) -> None:
    _image_id, key = _photo_of(world, "alice")
    for width in (None, 40):
        sent = world.guest().get_image_content(key, width=width)
        assert sent.headers["x-content-type-options"] == "nosniff"


def test_a_custom_image_only_its_owner_sees_is_private_to_caches(world: World) -> None:
    image_id, _key = _photo_of(world, "alice", kind="custom")
    sent = world.user("alice").get_image_content_by_id(image_id)
    assert sent.status_code == 200, sent.text
    assert sent.headers["cache-control"].startswith("private")


def test_a_profile_image_may_sit_in_shared_caches(world: World) -> None:
    _image_id, key = _photo_of(world, "alice")
    sent = world.guest().get_image_content(key)
    assert sent.headers["cache-control"] == "public, max-age=86400"
