"""Stored files handed to a fronting nginx (``DARKROOM_ACCEL_REDIRECT``), tested against a real
nginx running ``deploy/nginx-accel.conf`` as documented: nginx sends the file, darkroom's
validators and headers reach the client, and nginx answers byte ranges."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from darkroom.app import create_app
from darkroom.core import accounts
from darkroom.core.access import Role
from darkroom.core.runtime import Runtime
from tests import images as samples
from tests._nginx import nginx
from tests.conftest import sqlite_runtime
from tests.live import serve

SNIPPET = Path(__file__).parents[2] / "deploy" / "nginx-accel.conf"
PREFIX = "/_darkroom/files/"
ADMIN = ("root", "root-password")
IMAGES = "/accounts/3a4ed2d9-03e1-4b0e-b45f-2a9ca72f8adb/images"


@pytest.fixture
def accel_runtime(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    # Nothing kept in memory: every answer comes from the store, so every one is handed over.
    with sqlite_runtime(
        tmp_path, sqlite_template, accel_redirect=PREFIX, memory_cache_bytes=0
    ) as rt:
        with rt.transaction() as session:
            accounts.create_principal(session, ADMIN[0], password=ADMIN[1], role=Role.ADMIN)
        yield rt


@pytest.fixture
def darkroom(accel_runtime: Runtime) -> Iterator[str]:
    with serve(create_app(runtime=accel_runtime)) as url:
        yield url


@pytest.fixture
def front(darkroom: str, accel_runtime: Runtime, tmp_path: Path) -> Iterator[str]:
    blobs = accel_runtime.settings.data_dir / "blobs"
    server = SNIPPET.read_text()
    server = server.replace("@DARKROOM@", darkroom.removeprefix("http://"))
    server = server.replace("@BLOBS@", str(blobs))
    with nginx(server, tmp_path / "nginx") as url:
        yield url


@pytest.fixture
def public(darkroom: str) -> str:
    answer = httpx.post(
        f"{darkroom}{IMAGES}", auth=ADMIN, files={"image": ("a.png", samples.png(300, 200))}
    )
    assert answer.status_code == 201, answer.text
    return f"/images/{answer.json()['publicID']}?size=100x100"


def _stored(rt: Runtime, redirect: str) -> bytes:
    return (rt.settings.data_dir / "blobs" / redirect.removeprefix(PREFIX)).read_bytes()


def test_darkroom_names_the_stored_file_and_sends_no_body(
    darkroom: str, public: str, accel_runtime: Runtime
) -> None:
    answer = httpx.get(f"{darkroom}{public}")
    assert answer.status_code == 200
    assert answer.content == b""
    assert answer.headers["x-accel-redirect"].startswith(f"{PREFIX}variants/")
    assert answer.headers["content-type"] == "image/png"
    assert _stored(accel_runtime, answer.headers["x-accel-redirect"])[:8] == b"\x89PNG\r\n\x1a\n"


def test_nginx_sends_the_file_with_darkrooms_headers(
    front: str, darkroom: str, public: str, accel_runtime: Runtime
) -> None:
    named = httpx.get(f"{darkroom}{public}")
    sent = httpx.get(f"{front}{public}")
    assert sent.status_code == 200
    assert sent.content == _stored(accel_runtime, named.headers["x-accel-redirect"])
    assert sent.headers["etag"] == named.headers["etag"]
    assert sent.headers["content-type"] == "image/png"
    assert sent.headers["x-content-type-options"] == "nosniff"
    assert sent.headers["cache-control"] == "public, max-age=300"
    assert sent.headers["vary"] == "Accept"
    assert "x-accel-redirect" not in sent.headers


def test_a_current_copy_through_nginx_gets_darkrooms_304(front: str, public: str) -> None:
    etag = httpx.get(f"{front}{public}").headers["etag"]
    again = httpx.get(f"{front}{public}", headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")


def test_nginx_answers_byte_ranges_of_the_file(front: str, public: str) -> None:
    whole = httpx.get(f"{front}{public}").content
    part = httpx.get(f"{front}{public}", headers={"Range": "bytes=0-15"})
    assert part.status_code == 206
    assert part.content == whole[:16]
    assert part.headers["content-range"] == f"bytes 0-15/{len(whole)}"


def test_a_missing_image_is_darkrooms_error_through_nginx(front: str) -> None:
    missing = httpx.get(f"{front}/images/no-such-image")
    assert missing.status_code == 404
    assert missing.json() == {"error": "image not found"}
