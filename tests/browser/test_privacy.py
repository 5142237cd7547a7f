"""What a second user sees: in a space both belong to, the other's public images but never
their private ones, in the grid or by address."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests import images
from tests.browser.darkroom import SHARED, Darkroom, log_in, tile_names


def test_second_user_does_not_see_the_first_users_private_images(
    page: Page, darkroom: Darkroom
) -> None:
    alice = darkroom.api("alice")
    album = alice.album("Team", space=SHARED)
    alice.upload(album, "public.jpg", images.jpeg(200, 200, seed=50))
    hidden = alice.upload(album, "secret.jpg", images.jpeg(200, 200, seed=51))
    alice.patch(hidden["id"], private=True)
    log_in(page, "bob")
    expect(page.locator(f"section[data-album='{album}']")).to_be_visible()
    assert tile_names(page, album) == ["public.jpg"]
    page.get_by_label("Search").fill("secret")
    expect(page).to_have_url("/?q=secret")
    expect(page.locator("#empty")).to_be_visible()


def test_private_image_marked_in_the_viewer_disappears_for_the_other_user(
    page: Page, browser: Browser, darkroom: Darkroom
) -> None:
    alice = darkroom.api("alice")
    album = alice.album("Team later", space=SHARED)
    image = alice.upload(album, "soon-private.jpg", images.jpeg(200, 200, seed=52))
    log_in(page, "alice", path=f"/?album={album}")
    page.get_by_role("button", name="Open soon-private.jpg").click()
    page.get_by_label("Private", exact=True).check()
    expect(page.locator("li.tile.private")).to_have_count(1)
    other = browser.new_context(base_url=darkroom.url)
    try:
        bob = other.new_page()
        log_in(bob, "bob", path=f"/?album={album}")
        expect(bob.locator("#empty")).to_be_visible()
        # By address, with bob's session (the URLs in alice's answers are signed for her).
        content = bob.request.get(f"/v1/images/{image['id']}/content?width=400")
        assert content.status == 404
    finally:
        other.close()


def test_first_user_still_sees_their_own_private_images(page: Page, darkroom: Darkroom) -> None:
    alice = darkroom.api("alice")
    album = alice.album("Mine", space=SHARED)
    image = alice.upload(album, "own.jpg", images.jpeg(200, 200, seed=53))
    alice.patch(image["id"], private=True)
    log_in(page, "alice", path=f"/?album={album}")
    assert tile_names(page, album) == ["own.jpg"]
