"""What an image's ``url`` sends to whoever holds it: the original without its location (pixels
untouched, still the right way up), byte ranges of it, and caching headers that keep private
images out of shared caches."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
import pyvips

from tests import images as samples
from tests.api.procore.conftest import PROJECT

GPS = {
    "exif-ifd3-GPSLatitudeRef": "N",
    "exif-ifd3-GPSLatitude": "51/1 30/1 2/1",
    "exif-ifd3-GPSLongitudeRef": "W",
    "exif-ifd3-GPSLongitude": "0/1 7/1 39/1",
}


def _made(api: httpx.Client, data: bytes, **attrs: Any) -> dict[str, Any]:
    body = {"image_name": "a.jpg", "image": {"data": base64.b64encode(data).decode(), **attrs}}
    response = api.post(f"/rest/v1.0/images?project_id={PROJECT}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
def photo() -> bytes:
    """A phone photo: where it was taken, and held turned (EXIF orientation 6)."""
    return samples.jpeg_with_exif(GPS, width=120, height=80, orientation=6)


def test_the_original_sent_carries_no_location(api: httpx.Client, photo: bytes) -> None:
    sent = httpx.get(_made(api, photo)["url"])
    assert sent.status_code == 200
    fields = pyvips.Image.new_from_buffer(sent.content, "").get_fields()
    assert [field for field in fields if "GPS" in field] == []


def test_the_original_sent_has_the_uploaded_pixels_the_right_way_up(
    api: httpx.Client, photo: bytes
) -> None:
    sent = pyvips.Image.new_from_buffer(httpx.get(_made(api, photo)["url"]).content, "")
    uploaded = pyvips.Image.new_from_buffer(photo, "")
    assert (sent - uploaded).abs().max() == 0  # the same coded pixels, not re-encoded
    assert sent.get("orientation") == 6
    assert (sent.autorot().width, sent.autorot().height) == (80, 120)


def test_the_original_sent_has_its_own_etag(api: httpx.Client, photo: bytes) -> None:
    sent = httpx.get(_made(api, photo)["url"])
    again = httpx.get(_made(api, samples.jpeg(seed=5))["url"])
    assert sent.headers["etag"] != again.headers["etag"]
    assert httpx.get(sent.url, headers={"If-None-Match": sent.headers["etag"]}).status_code == 304


@pytest.fixture
def url(api: httpx.Client) -> str:
    created: str = _made(api, samples.jpeg(400, 300, seed=9))["url"]
    return created


def test_a_byte_range_of_the_original_answers_206_with_those_bytes(url: str) -> None:
    whole = httpx.get(url)
    part = httpx.get(url, headers={"Range": "bytes=10-109"})
    assert part.status_code == 206
    assert part.content == whole.content[10:110]
    assert part.headers["content-range"] == f"bytes 10-109/{len(whole.content)}"
    assert part.headers["content-length"] == "100"
    assert whole.headers["accept-ranges"] == "bytes"


def test_a_suffix_range_answers_the_last_bytes(url: str) -> None:
    whole = httpx.get(url).content
    part = httpx.get(url, headers={"Range": "bytes=-20"})
    assert (part.status_code, part.content) == (206, whole[-20:])


def test_a_range_past_the_end_answers_416_with_the_size(url: str) -> None:
    size = len(httpx.get(url).content)
    refused = httpx.get(url, headers={"Range": f"bytes={size + 10}-"})
    assert refused.status_code == 416
    assert refused.headers["content-range"] == f"bytes */{size}"


def test_a_range_for_other_bytes_than_the_client_had_sends_the_whole_file(url: str) -> None:
    whole = httpx.get(url).content
    stale = httpx.get(url, headers={"Range": "bytes=0-9", "If-Range": '"some-older-etag"'})
    assert (stale.status_code, stale.content) == (200, whole)


def test_a_range_under_the_current_etag_is_served(url: str) -> None:
    etag = httpx.get(url).headers["etag"]
    part = httpx.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (part.status_code, len(part.content)) == (206, 10)


def test_a_head_request_sends_the_headers_only(url: str) -> None:
    whole = httpx.get(url)
    head = httpx.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(whole.content))
    assert head.headers["etag"] == whole.headers["etag"]


def test_image_files_say_nosniff(api: httpx.Client, url: str) -> None:
    created = _made(api, samples.jpeg(seed=3))
    for address in (url, created["thumbnail_url"]):
        assert httpx.get(address).headers["x-content-type-options"] == "nosniff"


def test_a_private_image_is_kept_out_of_shared_caches(api: httpx.Client) -> None:
    created = _made(api, samples.jpeg(seed=4), private=True)
    for address in (created["url"], created["thumbnail_url"]):
        assert httpx.get(address).headers["cache-control"].startswith("private")


def test_a_public_image_may_be_kept_by_shared_caches(api: httpx.Client) -> None:
    created = _made(api, samples.jpeg(seed=6))
    assert httpx.get(created["url"]).headers["cache-control"] == "public, max-age=86400"


def test_a_trashed_image_is_gone_at_the_next_request(api: httpx.Client) -> None:
    created = _made(api, samples.jpeg(seed=7))
    for _ in range(3):  # resolved, then remembered, then sent from memory
        assert httpx.get(created["thumbnail_url"]).status_code == 200
    trashed = api.delete(f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}")
    assert trashed.status_code in (200, 204), trashed.text
    assert httpx.get(created["thumbnail_url"]).status_code == 404
    assert httpx.get(created["url"]).status_code == 404


def test_an_image_made_private_leaves_shared_caches_at_the_next_request(
    api: httpx.Client,
) -> None:
    created = _made(api, samples.jpeg(seed=8))
    for _ in range(3):
        assert httpx.get(created["url"]).headers["cache-control"].startswith("public")
    changed = api.patch(
        f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}",
        json={"image": {"private": True}},
    )
    assert changed.status_code == 200, changed.text
    # Its stable URL is refused now (test_signed_links.py); the signed one is sent as private.
    assert httpx.get(created["url"]).status_code == 403
    assert httpx.get(changed.json()["url"]).headers["cache-control"].startswith("private")
