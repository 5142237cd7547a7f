"""Guests (issue 11): who a guest is, and how much a guest may upload.

A guest without a client address is refused (no shared "unknown" identity); guests behind one
address see only what they uploaded with their own key, and a guest without a key only the
keyless uploads of that address; each address may upload so many temporary images and bytes a
day, whatever keys it sends (429 in Cyclos' general error shape, with ``Retry-After``).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from darkroom.app import create_app
from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.api.cyclos.client import USER_AGENT
from tests.api.cyclos.conftest import World, jpeg
from tests.conftest import sqlite_runtime
from tests.live import serve, serve_on_socket

TINY = ("tiny.png", samples.png(8, 8))


def _ids(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [image["id"] for image in answer.json()]


def _uploaded(world: World, **options: object) -> str:
    answer = world.guest().upload_temp_image(jpeg(), **options)
    assert answer.status_code == 201, answer.text
    return answer.text


def test_guests_sharing_an_address_do_not_see_each_others_keyed_uploads(world: World) -> None:
    # Every test client comes from 127.0.0.1: one address, three guests.
    first = _uploaded(world, guest_key="first-guest")
    second = _uploaded(world, guest_key="second-guest")
    assert _ids(world.guest().list_temp_images(guest_key="first-guest")) == [first]
    assert _ids(world.guest().list_temp_images(guest_key="second-guest")) == [second]
    assert _ids(world.guest().list_temp_images()) == []


def test_guest_without_key_sees_only_the_keyless_uploads_of_their_address(world: World) -> None:
    _uploaded(world, guest_key="keyed")
    keyless = _uploaded(world)
    assert _ids(world.guest().list_temp_images()) == [keyless]


def test_guest_cannot_view_a_keyed_upload_of_another_guest_by_id(world: World) -> None:
    keyed = _uploaded(world, guest_key="someone-else")
    assert world.guest().view_image(keyed).status_code == 401


@pytest.fixture
def on_socket(api_runtime: Runtime) -> Iterator[httpx.Client]:
    """The server on a unix socket: its requests carry no client address."""
    with tempfile.TemporaryDirectory(prefix="drk") as folder:  # short: socket paths are bounded
        path = str(Path(folder) / "s")
        with serve_on_socket(create_app(runtime=api_runtime), path):
            transport = httpx.HTTPTransport(uds=path)
            headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
            with httpx.Client(
                timeout=30, transport=transport, base_url="http://darkroom", headers=headers
            ) as client:
                yield client


def test_guest_without_address_is_refused(world: World, on_socket: httpx.Client) -> None:
    name, data = TINY
    for key in (None, "some-key"):
        params = {"guestKey": key} if key else {}
        answer = on_socket.post(
            "/api/images/temp", params=params, files={"image": (name, data, "image/png")}
        )
        assert answer.status_code == 401, answer.text
        assert answer.json() == {"code": "missingAuthorization"}
        assert on_socket.get("/api/images/temp", params=params).status_code == 401


def test_user_without_address_may_still_upload(world: World, on_socket: httpx.Client) -> None:
    name, data = TINY
    answer = on_socket.post(
        "/api/images/temp",
        files={"image": (name, data, "image/png")},
        headers={"Session-Token": world.session_of("alice").session_token or ""},
    )
    assert answer.status_code == 201, answer.text


@pytest.fixture
def stingy(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A server whose guests may upload 3 temporary images, or 4 KB, per address a day."""
    (tmp_path / "stingy").mkdir()
    with (
        sqlite_runtime(
            tmp_path / "stingy",
            sqlite_template,
            guest_images_per_day=3,
            guest_bytes_per_day=4096,
        ) as rt,
        serve(create_app(runtime=rt)) as url,
    ):
        yield f"{url}/api"


def _guest_upload(api: str, image: tuple[str, bytes], key: str | None) -> httpx.Response:
    name, data = image
    params = {"guestKey": key} if key else {}
    return httpx.post(
        f"{api}/images/temp",
        params=params,
        files={"image": (name, data, "image/png")},
        headers={"Accept": "application/json", "User-Agent": USER_AGENT},
    )


def test_fresh_guest_key_per_upload_does_not_escape_the_daily_quota(stingy: str) -> None:
    for _ in range(3):
        assert _guest_upload(stingy, TINY, uuid.uuid4().hex).status_code == 201
    refused = _guest_upload(stingy, TINY, uuid.uuid4().hex)
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["retry-after"]) > 0
    body = refused.json()
    assert (body["kind"], body["exceptionType"]) == ("general", "QuotaExceeded")
    assert "3 images" in body["exceptionMessage"]
    assert _guest_upload(stingy, TINY, None).status_code == 429  # nor does sending no key


def test_guest_uploads_over_the_daily_bytes_are_refused(stingy: str) -> None:
    big = ("big.png", samples.png(32, 32, seed=9))
    assert 2048 < len(big[1]) < 4096 - len(TINY[1])
    assert _guest_upload(stingy, big, "k").status_code == 201
    refused = _guest_upload(stingy, big, "k")
    assert refused.status_code == 429, refused.text
    assert "4096 bytes" in refused.json()["exceptionMessage"]
    assert _guest_upload(stingy, TINY, "k").status_code == 201  # what still fits is taken


def test_bare_key_of_a_guests_keyed_upload_does_not_open_it_for_another_guest(
    world: World,
) -> None:
    answer = world.guest().upload_temp_image(jpeg(), guest_key="mine")
    signed_url = answer.headers["location"]
    bare_key = signed_url.split("?", 1)[0].rsplit("/", 1)[1]
    assert world.guest().get_image_content(bare_key).status_code == 401
    assert httpx.get(signed_url).status_code == 200
