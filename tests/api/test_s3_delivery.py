"""Images stored in S3 (moto's S3 server stands in: no S3 server installs here) leave darkroom
streamed with bounded memory, or, when the operator enables it, as a redirect to a short-lived
presigned URL the client fetches from the bucket itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from darkroom.app import create_app
from darkroom.config import Settings
from darkroom.core import accounts
from darkroom.core.access import Role
from darkroom.core.runtime import Runtime, open_runtime
from tests import images as samples
from tests.conftest import fresh_sqlite_database
from tests.live import serve
from tests.storage._s3 import EMULATOR, Emulator

ADMIN = ("root", "root-password")
IMAGES = "/accounts/3a4ed2d9-03e1-4b0e-b45f-2a9ca72f8adb/images"


@pytest.fixture(scope="module")
def s3(request: pytest.FixtureRequest) -> Emulator:
    request.config.add_cleanup(EMULATOR.stop)
    EMULATOR.endpoint()
    return EMULATOR


def _server(tmp_path: Path, template: Path, s3: Emulator, **settings: object) -> Runtime:
    rt = open_runtime(
        Settings(
            data_dir=tmp_path / "data",
            database_url=fresh_sqlite_database(tmp_path, template),
            memory_cache_bytes=0,  # every answer from the bucket
            **settings,  # type: ignore[arg-type]
        ),
        store=s3.store("delivery"),
    )
    with rt.transaction() as session:
        accounts.create_principal(session, ADMIN[0], password=ADMIN[1], role=Role.ADMIN)
    return rt


@pytest.fixture(params=[0, 300], ids=["streamed", "redirected"])
def base(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, s3: Emulator
) -> Iterator[str]:
    rt = _server(tmp_path, sqlite_template, s3, storage_redirect_seconds=request.param)
    try:
        with serve(create_app(runtime=rt)) as url:
            yield url
    finally:
        rt.close()


def _public(base: str) -> str:
    answer = httpx.post(
        f"{base}{IMAGES}", auth=ADMIN, files={"image": ("a.png", samples.png(300, 200))}
    )
    assert answer.status_code == 201, answer.text
    return f"{base}/images/{answer.json()['publicID']}?size=100x100"


def test_a_variant_in_s3_reaches_the_client(base: str) -> None:
    public = _public(base)
    sent = httpx.get(public, follow_redirects=True)
    assert sent.status_code == 200
    assert sent.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert int(sent.headers["content-length"]) == len(sent.content)


def test_a_redirect_points_at_a_signed_url_for_a_while(
    tmp_path: Path, sqlite_template: Path, s3: Emulator
) -> None:
    rt = _server(tmp_path, sqlite_template, s3, storage_redirect_seconds=300)
    try:
        with serve(create_app(runtime=rt)) as url:
            answer = httpx.get(_public(url))
            assert answer.status_code == 307
            location = answer.headers["location"]
            assert "Signature=" in location and "Expires=" in location  # signed, and expires
            assert answer.headers["cache-control"] == "private, max-age=150"
            fetched = httpx.get(answer.headers["location"])
            assert (fetched.status_code, fetched.content[:4]) == (200, b"\x89PNG")
    finally:
        rt.close()


def test_a_current_copy_gets_a_304_from_darkroom_either_way(base: str) -> None:
    public = _public(base)
    etag = httpx.get(public).headers["etag"]  # the 307 names what it points at, as a 200 does
    again = httpx.get(public, headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
