"""Request bodies the official client cannot send: the legacy PATCH, wrapped metadata, bad forms."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests import images as samples
from tests.api.moov.conftest import ACCOUNT

IMAGES = f"/accounts/{ACCOUNT}/images"


def _upload(http: httpx.Client, data: bytes, alt_text: str | None = "original") -> dict[str, Any]:
    parts: dict[str, Any] = {"image": ("a.png", data, "image/png")}
    if alt_text is not None:
        parts["metadata"] = (None, json.dumps({"altText": alt_text}), "application/json")
    answer = http.post(IMAGES, files=parts)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _etag(http: httpx.Client, public_id: str) -> str:
    return http.get(f"/images/{public_id}", params={"size": "64x48"}).headers["etag"]


def test_patch_with_an_empty_body_returns_the_unchanged_metadata(http: httpx.Client) -> None:
    image = _upload(http, samples.png())
    answer = http.patch(f"{IMAGES}/{image['imageID']}", headers={"content-length": "0"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == image


def test_patch_with_a_multipart_type_and_no_body_changes_nothing(http: httpx.Client) -> None:
    image = _upload(http, samples.png())
    answer = http.patch(
        f"{IMAGES}/{image['imageID']}",
        headers={"content-type": "multipart/form-data; boundary=x", "content-length": "0"},
    )
    assert answer.status_code == 200
    assert answer.json() == image


def test_patch_with_only_an_image_replaces_bytes_and_keeps_alt_text(http: httpx.Client) -> None:
    image = _upload(http, samples.png(seed=1))
    before = _etag(http, image["publicID"])
    answer = http.patch(
        f"{IMAGES}/{image['imageID']}", files={"image": ("b.jpg", samples.jpeg(seed=2))}
    )
    assert answer.status_code == 200
    assert answer.json()["altText"] == "original"
    assert _etag(http, image["publicID"]) != before


def test_patch_with_a_null_metadata_part_clears_alt_text(http: httpx.Client) -> None:
    image = _upload(http, samples.png())
    answer = http.patch(
        f"{IMAGES}/{image['imageID']}", files={"metadata": (None, "null", "application/json")}
    )
    assert answer.status_code == 200
    assert "altText" not in answer.json()


def test_patch_with_only_metadata_sets_alt_text_and_keeps_bytes(http: httpx.Client) -> None:
    image = _upload(http, samples.png())
    before = _etag(http, image["publicID"])
    answer = http.patch(
        f"{IMAGES}/{image['imageID']}",
        files={"metadata": (None, '{"altText":"patched"}', "application/json")},
    )
    assert answer.json()["altText"] == "patched"
    assert _etag(http, image["publicID"]) == before


def test_patch_with_a_json_body_returns_400(http: httpx.Client) -> None:
    image = _upload(http, samples.png())
    answer = http.patch(f"{IMAGES}/{image['imageID']}", json={"altText": "x"})
    assert answer.status_code == 400
    assert answer.json() == {"error": "the request body must be multipart/form-data"}


def test_put_with_a_null_metadata_part_clears_alt_text(http: httpx.Client) -> None:
    image = _upload(http, samples.png(seed=1))
    answer = http.put(
        f"{IMAGES}/{image['imageID']}",
        files={"image": ("b.png", samples.png(seed=2)), "metadata": (None, "null")},
    )
    assert answer.status_code == 200
    assert "altText" not in answer.json()


def test_put_without_an_image_part_returns_422(http: httpx.Client) -> None:
    image = _upload(http, samples.png())
    answer = http.put(f"{IMAGES}/{image['imageID']}", files={"metadata": (None, "{}")})
    assert answer.status_code == 422
    assert answer.json() == {"image": "an image part is required"}


def test_update_metadata_accepts_the_wrapped_form(http: httpx.Client) -> None:
    image = _upload(http, samples.png())
    answer = http.put(
        f"{IMAGES}/{image['imageID']}/metadata", json={"metadata": {"altText": "wrapped"}}
    )
    assert answer.status_code == 200
    assert answer.json()["altText"] == "wrapped"


def test_update_metadata_with_an_empty_object_clears_alt_text(http: httpx.Client) -> None:
    image = _upload(http, samples.png())
    answer = http.put(f"{IMAGES}/{image['imageID']}/metadata", json={})
    assert "altText" not in answer.json()


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b""], ids=["text", "array", "empty"])
def test_update_metadata_with_a_body_that_is_not_an_object_returns_400(
    http: httpx.Client, body: bytes
) -> None:
    image = _upload(http, samples.png())
    answer = http.put(
        f"{IMAGES}/{image['imageID']}/metadata",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 400
    assert isinstance(answer.json()["error"], str)


def test_update_metadata_with_a_non_string_alt_text_returns_422(http: httpx.Client) -> None:
    image = _upload(http, samples.png())
    answer = http.put(f"{IMAGES}/{image['imageID']}/metadata", json={"altText": 42})
    assert answer.status_code == 422
    assert answer.json() == {"altText": "altText must be a string"}


def test_upload_without_an_image_part_returns_422(http: httpx.Client) -> None:
    answer = http.post(IMAGES, files={"metadata": (None, "{}")})
    assert answer.status_code == 422
    assert answer.json() == {"image": "an image part is required"}


def test_upload_with_an_image_part_without_filename_returns_422(http: httpx.Client) -> None:
    answer = http.post(IMAGES, files={"image": (None, b"\x89PNG\r\n\x1a\n")})
    assert answer.status_code == 422
    assert "filename" in answer.json()["image"]


def test_upload_sniffs_the_format_whatever_the_part_type_says(http: httpx.Client) -> None:
    answer = http.post(IMAGES, files={"image": ("notes.txt", samples.webp(), "text/plain")})
    assert answer.status_code == 201
    public = http.get(f"/images/{answer.json()['publicID']}")
    assert public.headers["content-type"] == "image/webp"


def test_upload_with_a_metadata_part_that_is_not_json_returns_400(http: httpx.Client) -> None:
    answer = http.post(
        IMAGES, files={"image": ("a.png", samples.png()), "metadata": (None, "altText=x")}
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "the metadata part must be JSON"}


def test_list_with_a_negative_skip_returns_400(http: httpx.Client) -> None:
    answer = http.get(IMAGES, params={"skip": "-1"})
    assert answer.status_code == 400
    assert answer.json() == {"error": "skip must not be negative"}


def test_list_with_a_count_over_200_returns_at_most_200(http: httpx.Client) -> None:
    _upload(http, samples.png())
    answer = http.get(IMAGES, params={"count": "5000"})
    assert answer.status_code == 200
    assert len(answer.json()) == 1
