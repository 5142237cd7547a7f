"""``thumbnail_url`` under the render limit, over real HTTP: the capability URLs carry no token,
so their renders count against the client address. This server allows one render per address,
refilled at one per 100 s; each new image's thumbnail is a new render.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.api.procore.conftest import assert_error, make_image
from tests.conftest import sqlite_runtime

WAIT_S = 30.0  # a render on a busy machine can take longer than httpx's 5 s default


@pytest.fixture
def api_runtime(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    """The suite's server runtime, with an allowance of one render."""
    with sqlite_runtime(tmp_path, sqlite_template, render_rate=0.01, render_burst=1) as rt:
        yield rt


@pytest.fixture
def thumbnails(api: httpx.Client) -> list[str]:
    return [make_image(api, seed=seed)["thumbnail_url"] for seed in (1, 2)]


def test_a_second_new_thumbnail_gets_429_with_retry_after_in_procore_shape(
    thumbnails: list[str],
) -> None:
    assert httpx.get(thumbnails[0], timeout=WAIT_S).status_code == 200
    asked_at = int(time.time())
    refused = httpx.get(thumbnails[1], timeout=WAIT_S)
    body = assert_error(refused, 429, "try again")
    assert set(body) == {"error", "message"}
    assert refused.headers["retry-after"] == "100"
    assert refused.headers["x-rate-limit-limit"] == "1"
    assert refused.headers["x-rate-limit-remaining"] == "0"
    assert int(refused.headers["x-rate-limit-reset"]) >= asked_at + 100  # unix seconds


def test_a_refused_client_still_gets_cached_thumbnails_and_originals(
    api: httpx.Client, thumbnails: list[str]
) -> None:
    httpx.get(thumbnails[0], timeout=WAIT_S)
    assert httpx.get(thumbnails[1], timeout=WAIT_S).status_code == 429
    assert httpx.get(thumbnails[0], timeout=WAIT_S).status_code == 200  # cached
    created = make_image(api, seed=3)
    original = httpx.get(created["url"], timeout=WAIT_S)  # the stored bytes: nothing to render
    assert (original.status_code, original.content) == (200, samples.jpeg(seed=3))
