"""HEIC phone photos through ``/v1`` over real HTTP: accepted at upload, kept byte for byte as
the original, and delivered as JPEG, WebP or PNG variants, upright, never as HEIC."""

from __future__ import annotations

from typing import Any

import pyvips

from tests import images as samples
from tests.api.v1.conftest import Client, error_of


def _upload_heic(client: Client, data: bytes) -> dict[str, Any]:
    answer = client.post(
        f"/v1/albums/{client.album()}/images",
        files=[("file", ("IMG_0001.HEIC", data, "image/heic"))],
    )
    assert answer.status_code == 201, answer.text
    image: dict[str, Any] = answer.json()
    return image


def _upright(data: bytes) -> tuple[int, int, bool]:
    """Width, height, and whether the red block ``heic_photo`` draws is at the top left."""
    image = pyvips.Image.new_from_buffer(data, "")
    red, green, blue = image(1, 1)[:3]
    return image.width, image.height, red > 200 and green < 60 and blue < 60


def test_heic_upload_answers_201_with_its_upright_size_and_a_placeholder(alice: Client) -> None:
    image = _upload_heic(alice, samples.heic_photo(120, 60, orientation=6))
    assert (image["format"], image["width"], image["height"]) == ("heic", 120, 60)
    assert image["placeholder"]


def test_heic_upload_reads_date_taken_from_its_exif(alice: Client) -> None:
    image = _upload_heic(alice, samples.heic_photo(taken_at="2024:05:06 07:08:09"))
    assert image["taken_at"] == "2024-05-06T07:08:09Z"


def test_heic_content_without_a_size_is_the_uploaded_file_byte_for_byte(alice: Client) -> None:
    data = samples.heic_photo(120, 60, orientation=6)
    image = _upload_heic(alice, data)
    answer = alice.get(f"/v1/images/{image['id']}/content")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/heic"
    assert answer.content == data


def test_heic_thumbnail_is_an_upright_jpeg(alice: Client) -> None:
    image = _upload_heic(alice, samples.heic_photo(800, 400, orientation=6))
    answer = alice.get(image["urls"]["thumbnail"])  # 400 px wide
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert _upright(answer.content) == (400, 200, True)


def test_heic_variant_follows_accept_to_an_upright_webp(alice: Client) -> None:
    image = _upload_heic(alice, samples.heic_photo(240, 120, orientation=8))
    answer = alice.get(
        f"/v1/images/{image['id']}/content",
        params={"width": 80},
        headers={"Accept": "image/webp,*/*"},
    )
    assert answer.headers["content-type"] == "image/webp"
    assert _upright(answer.content) == (80, 40, True)


def test_heic_variant_as_png_is_upright_at_full_size(alice: Client) -> None:
    image = _upload_heic(alice, samples.heic_photo(240, 120, orientation=3, rotation="exif"))
    answer = alice.get(f"/v1/images/{image['id']}/content", params={"format": "png"})
    assert answer.headers["content-type"] == "image/png"
    assert _upright(answer.content) == (240, 120, True)


def test_heic_is_not_a_format_content_is_encoded_as(alice: Client) -> None:
    image = _upload_heic(alice, samples.heic_photo())
    answer = alice.get(f"/v1/images/{image['id']}/content", params={"format": "heic"})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "format"


def test_truncated_heic_upload_is_422_not_an_image(alice: Client) -> None:
    data = samples.heic_photo(200, 150)
    answer = alice.post(
        f"/v1/albums/{alice.album()}/images",
        files=[("file", ("cut.heic", data[: len(data) // 2], "image/heic"))],
    )
    assert answer.status_code == 422
    assert error_of(answer)["code"] == "not_an_image"
