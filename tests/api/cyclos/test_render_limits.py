"""Image content under the render limit, over real HTTP: a guest's new sizes are renders counted
against their address; a logged-in user's never are. This server allows one render per address,
refilled at one per 100 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvips

from darkroom.core.runtime import Runtime
from tests.api.cyclos.conftest import World, uploaded
from tests.conftest import sqlite_runtime


@pytest.fixture
def api_runtime(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    """This test's runtime behind the module's server, with an allowance of one render."""
    with sqlite_runtime(tmp_path, sqlite_template, render_rate=0.01, render_burst=1) as rt:
        yield rt


@pytest.fixture
def image_id(world: World) -> str:
    return uploaded(world)  # a profile image: guests may see it


def test_a_guests_second_new_size_gets_429_with_retry_after_and_a_cyclos_error(
    world: World, image_id: str
) -> None:
    guest = world.guest()
    assert guest.get_image_content(image_id, width=20).status_code == 200
    refused = guest.get_image_content(image_id, width=21)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "100"
    assert refused.headers["content-type"] == "application/json"
    body = refused.json()
    assert (body["kind"], body["exceptionType"]) == ("general", "RateLimited")
    assert "try again" in body["exceptionMessage"]


def test_a_refused_guest_still_gets_cached_sizes_and_the_original(
    world: World, image_id: str
) -> None:
    guest = world.guest()
    guest.get_image_content(image_id, width=20)
    assert guest.get_image_content(image_id, width=21).status_code == 429
    cached = guest.get_image_content(image_id, width=20)
    assert cached.status_code == 200
    assert pyvips.Image.new_from_buffer(cached.content, "").width == 20
    assert guest.get_image_content(image_id).status_code == 200  # the stored bytes


def test_a_logged_in_user_is_never_rate_limited(world: World, image_id: str) -> None:
    world.guest().get_image_content(image_id, width=20)  # the address's one render is spent
    alice = world.session_of("alice")
    answers = [alice.get_image_content(image_id, width=w).status_code for w in range(21, 27)]
    assert answers == [200] * 6
