"""The bytes behind ``url`` and ``thumbnail_url``: fetchable, validated with ETags."""

from __future__ import annotations

import httpx

from tests import images as samples
from tests.api.procore.conftest import PROJECT, assert_error, make_image


def test_image_url_serves_the_original_bytes(api: httpx.Client) -> None:
    created = make_image(api, seed=11)
    response = httpx.get(created["url"])
    assert response.status_code == 200
    assert response.content == samples.jpeg(seed=11)
    assert response.headers["content-type"] == "image/jpeg"


def test_thumbnail_url_serves_a_jpeg_variant(api: httpx.Client) -> None:
    created = make_image(api)
    response = httpx.get(created["thumbnail_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["etag"]


def test_thumbnail_with_matching_etag_returns_304(api: httpx.Client) -> None:
    created = make_image(api)
    etag = httpx.get(created["thumbnail_url"]).headers["etag"]
    again = httpx.get(created["thumbnail_url"], headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")


def test_image_url_of_binned_image_returns_404(api: httpx.Client) -> None:
    created = make_image(api)
    api.delete(f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}")
    assert_error(httpx.get(created["url"]), 404)
