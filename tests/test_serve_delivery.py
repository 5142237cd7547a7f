"""Images sent by `darkroom serve` itself (granian workers), where stored files go out through
ASGI ``pathsend`` and bytes from memory through the fast lane: the same bytes and headers the
in-thread test servers see, ranges included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import images as samples
from tests.test_serve import ADMIN, Served, start, stop

IMAGES = "/accounts/3a4ed2d9-03e1-4b0e-b45f-2a9ca72f8adb/images"


@pytest.fixture(scope="module")
def without_memory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One worker, nothing kept in memory: every answer is a stored file (pathsend)."""
    folder = tmp_path_factory.mktemp("pathsend")
    running = start(folder, "--workers", "1", env={"DARKROOM_MEMORY_CACHE_BYTES": "0"})
    yield running
    stop(running)


def _public(served: Served, data: bytes) -> str:
    answer = httpx.post(f"{served.base}{IMAGES}", auth=ADMIN, files={"image": ("a.png", data)})
    assert answer.status_code == 201, answer.text
    return f"{served.base}/images/{answer.json()['publicID']}"


def test_a_stored_variant_is_sent_whole_as_stored(without_memory: Served) -> None:
    public = _public(without_memory, samples.png(300, 200, seed=1))
    first = httpx.get(public, params={"size": "120x120"})
    again = httpx.get(public, params={"size": "120x120"})  # from the store, by pathsend
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert again.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert again.headers["content-length"] == str(len(again.content))
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["x-content-type-options"] == "nosniff"


def test_a_byte_range_of_a_stored_variant_is_206(without_memory: Served) -> None:
    public = _public(without_memory, samples.png(300, 200, seed=2))
    whole = httpx.get(public, params={"size": "140x140"}).content
    part = httpx.get(public, params={"size": "140x140"}, headers={"Range": "bytes=4-19"})
    assert part.status_code == 206
    assert part.content == whole[4:20]
    assert part.headers["content-range"] == f"bytes 4-19/{len(whole)}"


def test_bytes_from_memory_match_the_stored_ones(tmp_path: Path) -> None:
    served = start(tmp_path, "--workers", "1")
    try:
        public = _public(served, samples.png(300, 200, seed=3))
        sent = [httpx.get(public, params={"size": "100x100"}) for _ in range(4)]
        assert len({answer.content for answer in sent}) == 1
        assert len({answer.headers["etag"] for answer in sent}) == 1
        assert all(answer.headers["x-request-id"] for answer in sent)
    finally:
        stop(served)
