"""``POST /v1/albums/{album}/images``: one file is 201 or its refusal; several are 207 with one
result each; refusals come from core ingest, as for every door; the whole body is capped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from darkroom.app import create_app
from tests import images as samples
from tests.api.v1.conftest import PASSWORD, Client, Users, add_user, error_of
from tests.conftest import sqlite_runtime
from tests.live import serve

MAX_UPLOAD = 2 * 1024 * 1024  # the v1 fixtures' DARKROOM_MAX_UPLOAD_BYTES


def test_one_file_answers_201_with_the_image(alice: Client) -> None:
    album = alice.album()
    answer = alice.post(
        f"/v1/albums/{album}/images", files=[("file", ("beach.jpg", samples.jpeg(), "image/jpeg"))]
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["name"] == "beach.jpg"
    assert body["album"]["id"] == album
    assert body["private"] is False


def test_an_upload_may_be_private(alice: Client) -> None:
    image = alice.upload(alice.album(), private="true")
    assert image["private"] is True


def test_several_files_answer_207_with_one_result_each_in_order(alice: Client) -> None:
    album = alice.album()
    files = [
        ("file", ("a.jpg", samples.jpeg(seed=1), "image/jpeg")),
        ("file", ("notes.txt", b"just some words, not an image", "text/plain")),
        ("file", ("b.png", samples.png(seed=2), "image/png")),
    ]
    answer = alice.post(f"/v1/albums/{album}/images", files=files)
    assert answer.status_code == 207
    items = answer.json()["items"]
    assert [(item["file"], item["status"]) for item in items] == [
        ("a.jpg", 201),
        ("notes.txt", 415),
        ("b.png", 201),
    ]
    assert items[0]["image"]["name"] == "a.jpg"
    assert items[1]["error"]["code"] == "unsupported_format"
    assert len(alice.get("/v1/images").json()["items"]) == 2


def test_a_file_that_is_not_an_image_is_415(alice: Client) -> None:
    album = alice.album()
    answer = alice.post(
        f"/v1/albums/{album}/images", files=[("file", ("notes.txt", b"hello", "text/plain"))]
    )
    assert answer.status_code == 415
    assert error_of(answer)["code"] == "unsupported_format"


def test_a_corrupt_image_is_422_not_an_image(alice: Client) -> None:
    album = alice.album()
    broken = samples.jpeg(width=200, height=200)[:300]
    answer = alice.post(
        f"/v1/albums/{album}/images", files=[("file", ("cut.jpg", broken, "image/jpeg"))]
    )
    assert answer.status_code == 422
    assert error_of(answer)["code"] == "not_an_image"


def test_a_file_over_the_upload_limit_is_413(alice: Client) -> None:
    album = alice.album()
    big = samples.jpeg()[:100] + b"\0" * (MAX_UPLOAD + 1)
    answer = alice.post(
        f"/v1/albums/{album}/images", files=[("file", ("big.jpg", big, "image/jpeg"))]
    )
    assert answer.status_code == 413
    error = error_of(answer)
    assert error["code"] == "too_large"
    assert error["limit"] == MAX_UPLOAD


def test_a_duplicate_in_an_album_that_refuses_them_is_409_naming_the_original(
    alice: Client,
) -> None:
    album = alice.album("Unique", dedupe=True)
    first = alice.upload(album, samples.jpeg(seed=5))
    answer = alice.post(
        f"/v1/albums/{album}/images",
        files=[("file", ("again.jpg", samples.jpeg(seed=5), "image/jpeg"))],
    )
    assert answer.status_code == 409
    error = error_of(answer)
    assert error["code"] == "duplicate"
    assert error["existing_image"] == first["id"]


def test_an_album_without_dedupe_keeps_the_same_bytes_twice(alice: Client) -> None:
    album = alice.album()
    alice.upload(album, samples.jpeg(seed=5), name="one.jpg")
    alice.upload(album, samples.jpeg(seed=5), name="two.jpg")
    assert len(alice.get("/v1/images").json()["items"]) == 2


def test_an_upload_without_file_parts_is_400(alice: Client) -> None:
    album = alice.album()
    answer = alice.post(f"/v1/albums/{album}/images", data={"private": "true"})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "file"


def test_an_upload_into_an_unknown_album_is_404(alice: Client) -> None:
    answer = alice.post(
        "/v1/albums/99999/images", files=[("file", ("a.jpg", samples.jpeg(), "image/jpeg"))]
    )
    assert answer.status_code == 404


def test_a_viewer_may_not_upload(alice: Client, bob: Client) -> None:
    site = alice.album("Site", space="procore-project:10")
    answer = bob.post(
        f"/v1/albums/{site}/images", files=[("file", ("a.jpg", samples.jpeg(), "image/jpeg"))]
    )
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "forbidden"


def test_an_upload_with_the_cookie_needs_the_csrf_header(alice: Client) -> None:
    album = alice.album()
    answer = alice.http.post(
        f"/v1/albums/{album}/images", files=[("file", ("a.jpg", samples.jpeg(), "image/jpeg"))]
    )
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "csrf"


@pytest.fixture
def capped(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, Users]]:
    """A server whose /v1 request body cap is 300 kB (files up to 200 kB each)."""
    with sqlite_runtime(
        tmp_path, sqlite_template, max_upload_bytes=200_000, v1_max_request_bytes=300_000
    ) as rt:
        users = Users({"alice": add_user(rt, "alice")})
        with serve(create_app(runtime=rt)) as url:
            yield url, users


def test_a_request_body_over_the_v1_cap_is_413_before_it_is_read(
    capped: tuple[str, Users],
) -> None:
    url, _ = capped
    with httpx.Client(timeout=30, base_url=url) as http:
        login = http.post("/v1/session", json={"username": "alice", "password": PASSWORD})
        csrf = login.json()["csrf_token"]
        answer = http.post(
            "/v1/albums/1/images",
            headers={"X-CSRF-Token": csrf},
            files=[("file", (f"{n}.jpg", b"\xff\xd8\xff" + b"\0" * 150_000)) for n in range(3)],
        )
    assert answer.status_code == 413
    assert error_of(answer)["code"] == "too_large"
