"""Cyclos reads write nothing (no write transaction, so no SQLite write lock): lists, views and
content, for the owner, another user and a guest."""

from __future__ import annotations

import pytest

from tests.api.cyclos.conftest import AD, World, uploaded
from tests.conftest import record_writes


def test_get_of_every_cyclos_resource_opens_no_write_transaction(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    image_id = uploaded(world, "alice")
    key = world.user("alice").view_image(image_id).json()["url"].rsplit("/", 1)[-1]
    # The copy sent to others than the uploader (without location metadata) is a variant, stored
    # once on the first request like any other; that first request is not what this is about.
    assert world.guest().get_image_content(key).status_code == 200
    writes = record_writes(world.rt, monkeypatch)
    for client in (world.user("alice"), world.user("bob"), world.guest()):
        assert client.list_user_images("alice").status_code == 200
        assert client.get_user_images_list_data("alice").status_code == 200
        assert client.list_ad_images(AD).status_code == 200
        assert client.get_ad_images_list_data(AD).status_code == 200
        assert client.view_image(image_id).status_code == 200
        assert client.get_image_content(key).status_code == 200
        assert client.get_image_content_by_id(image_id).status_code == 200
        assert client.list_temp_images().status_code == 200
    assert world.user("alice").get_current_auth().status_code == 200
    assert writes == []
