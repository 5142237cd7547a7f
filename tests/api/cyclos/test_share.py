"""Share links to Cyclos images (``POST /admin/v1/images/{ref}/share``): the content URL by key,
signed, so a custom image opens for anyone holding the link until it expires."""

from __future__ import annotations

import httpx

from tests.api.cyclos.conftest import PASSWORD, World, uploaded


def test_shared_link_of_a_custom_image_opens_it_for_a_guest(world: World) -> None:
    image_id = uploaded(world, kind="custom", seed=5)
    base = world.api.removesuffix("/api")
    answer = httpx.post(
        f"{base}/admin/v1/images/cyclos:{image_id}/share",
        json={"expires": "1h"},
        auth=("root", PASSWORD),
    )
    assert answer.status_code == 201, answer.text
    link = answer.json()["url"]
    assert link.startswith(f"{world.api}/images/content/")
    assert httpx.get(link).status_code == 200
    assert httpx.get(link.split("?", 1)[0]).status_code == 401
