"""The public image route: sizes, format negotiation, validators, caching, no credentials."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from darkroom.api import vocabulary
from darkroom.core import albums, images, spaces, variants
from darkroom.core.access import Role, trusted_scope
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.media import ImageFormat
from tests import images as samples
from tests.api.moov.conftest import ACCOUNT, SDK_ACCEPT, decoded
from tests.conftest import make_actor

IMAGES = f"/accounts/{ACCOUNT}/images"


@pytest.fixture
def png_id(http: httpx.Client) -> str:
    """The public id of an 800x600 PNG."""
    answer = http.post(IMAGES, files={"image": ("a.png", samples.png(800, 600))})
    public_id: str = answer.json()["publicID"]
    return public_id


def _public(server: str, public_id: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(f"{server}/images/{public_id}", **kwargs)


@pytest.mark.parametrize("size", ["abc", "0x0", "-1x100", "400", "400x", "x400", "", "1.5x2"])
def test_public_with_an_invalid_size_returns_400(server: str, png_id: str, size: str) -> None:
    answer = _public(server, png_id, params={"size": size})
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"error": "invalid size"}


def test_public_with_a_size_over_2048_is_clamped(server: str, http: httpx.Client) -> None:
    created = http.post(IMAGES, files={"image": ("big.jpg", samples.jpeg(3000, 1000))})
    answer = _public(server, created.json()["publicID"], params={"size": "9999x0"})
    assert answer.status_code == 200
    assert decoded(answer.content)[1:] == (2048, 683)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (SDK_ACCEPT, ImageFormat.JPEG),
        ("image/webp", ImageFormat.WEBP),
        ("image/png", ImageFormat.PNG),
        ("image/webp;q=0, image/png;q=0.5, image/jpeg;q=0.4", ImageFormat.PNG),
        ("*/*", ImageFormat.PNG),
        ("text/html", ImageFormat.PNG),
    ],
    ids=["sdk-default", "webp", "png", "ranked", "any", "unusable"],
)
def test_public_format_follows_accept_else_the_stored_one(
    server: str, png_id: str, accept: str, expected: ImageFormat
) -> None:
    answer = _public(server, png_id, headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == expected.mime_type
    assert answer.headers["vary"] == "Accept"
    assert decoded(answer.content)[0] is expected


def test_public_without_accept_serves_the_stored_format(server: str, png_id: str) -> None:
    request = httpx.Request("GET", f"{server}/images/{png_id}")  # no client defaults: no Accept
    assert "accept" not in request.headers
    with httpx.Client(timeout=30) as raw:
        answer = raw.send(request)
    assert answer.headers["content-type"] == "image/png"


def test_public_answers_a_strong_etag_and_cache_control(server: str, png_id: str) -> None:
    answer = _public(server, png_id)
    etag = answer.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert answer.headers["cache-control"] == "public, max-age=300"
    assert answer.headers["content-length"] == str(len(answer.content))


def test_public_etag_differs_per_size_and_format(server: str, png_id: str) -> None:
    small = _public(server, png_id, params={"size": "100x100"}).headers["etag"]
    large = _public(server, png_id, params={"size": "200x200"}).headers["etag"]
    webp = _public(
        server, png_id, params={"size": "100x100"}, headers={"Accept": "image/webp"}
    ).headers["etag"]
    assert len({small, large, webp}) == 3


def test_public_with_a_matching_if_none_match_returns_304(server: str, png_id: str) -> None:
    etag = _public(server, png_id).headers["etag"]
    answer = _public(server, png_id, headers={"If-None-Match": etag})
    assert answer.status_code == 304
    assert answer.content == b""
    assert answer.headers["etag"] == etag


def test_public_with_a_stale_if_none_match_returns_200(server: str, png_id: str) -> None:
    answer = _public(server, png_id, headers={"If-None-Match": '"something-else"'})
    assert answer.status_code == 200


def test_public_ignores_an_authorization_header(server: str, png_id: str) -> None:
    answer = _public(server, png_id, auth=("nobody", "wrong"))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"


def test_public_second_request_of_a_size_does_no_image_work(
    server: str, png_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    real_render = variants.render

    def counting_render(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(variants, "render", counting_render)
    started = time.perf_counter()
    first = _public(server, png_id, params={"size": "300x300"})
    miss = time.perf_counter() - started
    started = time.perf_counter()
    second = _public(server, png_id, params={"size": "300x300"})
    hit = time.perf_counter() - started
    assert len(calls) == 1
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    print(f"public fetch 300x300: miss {miss * 1000:.1f} ms, hit {hit * 1000:.1f} ms")


def test_public_does_not_serve_another_doors_image(server: str, api_runtime: Runtime) -> None:
    actor = make_actor(api_runtime, "procore-user", Role.ADMIN)
    with api_runtime.transaction() as session:
        space = spaces.ensure(session, vocabulary.PROCORE_PROJECT, "p1")
        scope = trusted_scope(space, actor)
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    image = images.ingest(api_runtime, scope, album, iter([samples.png()]), NewImage())
    answer = _public(server, image.public_id)
    assert answer.status_code == 404
    assert answer.json() == {"error": "image not found"}
