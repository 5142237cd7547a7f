"""HEIC at the Procore door (the field-photo door: phones upload HEIC): accepted, with its
EXIF facts; ``thumbnail_url`` is a JPEG; ``url`` is the original as uploaded, or, when the file
carries EXIF or XMP (which a HEIC's items cannot be cut out of), a full-size JPEG without them."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pyvips

from tests import images as samples
from tests.api.procore.conftest import PROJECT


def _create(api: httpx.Client, data: bytes) -> dict[str, Any]:
    body = {"image_name": "IMG_0001.HEIC", "image": {"data": base64.b64encode(data).decode()}}
    response = api.post(f"/rest/v1.0/images?project_id={PROJECT}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _upright(data: bytes) -> tuple[int, int, bool]:
    """Width, height, and whether the red block ``heic_photo`` draws is at the top left."""
    image = pyvips.Image.new_from_buffer(data, "")
    red, green, blue = image(1, 1)[:3]
    return image.width, image.height, red > 200 and green < 60 and blue < 60


def test_heic_create_answers_201_with_upright_size_and_exif_facts(api: httpx.Client) -> None:
    data = samples.heic_photo(
        120, 60, orientation=6, taken_at="2024:05:06 07:08:09", gps=(40.7128, -74.006)
    )
    created = _create(api, data)
    assert (created["width"], created["height"], created["size"]) == (120, 60, len(data))
    assert created["taken_at"].startswith("2024-05-06T07:08:09")
    assert float(created["gps_lat"]) == round(40.7128, 4)


def test_heic_thumbnail_url_serves_an_upright_jpeg(api: httpx.Client) -> None:
    created = _create(api, samples.heic_photo(600, 300, orientation=8))
    response = httpx.get(created["thumbnail_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert _upright(response.content) == (300, 150, True)


def test_heic_url_without_metadata_serves_the_uploaded_bytes(api: httpx.Client) -> None:
    data = samples.heic_photo(120, 60, exif=False)
    response = httpx.get(_create(api, data)["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/heic"
    assert response.content == data


def test_heic_url_with_exif_serves_a_full_size_upright_jpeg(api: httpx.Client) -> None:
    created = _create(api, samples.heic_photo(120, 60, orientation=6, gps=(40.7128, -74.006)))
    response = httpx.get(created["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert _upright(response.content) == (120, 60, True)
    assert "exif-data" not in pyvips.Image.new_from_buffer(response.content, "").get_fields()


def test_truncated_heic_create_answers_422(api: httpx.Client) -> None:
    data = samples.heic_photo(200, 150)
    body = {"image_name": "cut.heic", "image": {"data": base64.b64encode(data[:600]).decode()}}
    response = api.post(f"/rest/v1.0/images?project_id={PROJECT}", json=body)
    assert response.status_code == 422, response.text
