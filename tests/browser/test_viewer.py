"""The viewer: an image large with its details, the arrow keys to its neighbours, and what may
be done to it (alt text and description, star, private, trash, restore); the trash view."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import images
from tests.browser.darkroom import Darkroom, log_in, tile_names, wait_for_grid


@pytest.fixture
def album(darkroom: Darkroom, request: pytest.FixtureRequest) -> int:
    """An album of alice's with first.jpg, second.jpg and third.jpg, only for this test."""
    api = darkroom.api("alice")
    album = api.album(f"Viewer {request.node.name}")
    for seed, name in enumerate(("first.jpg", "second.jpg", "third.jpg")):
        api.upload(album, name, images.jpeg(900, 600, seed=30 + seed))
    return album


def _open(page: Page, album: int, name: str) -> None:
    log_in(page, "alice", path=f"/?album={album}")
    page.get_by_role("button", name=f"Open {name}").click()
    expect(page.locator("#viewer")).to_be_visible()
    expect(page.locator("#viewer-title")).to_have_text(name)


def test_viewer_shows_the_image_large_with_its_details(
    page: Page, album: int, screenshots: Path
) -> None:
    _open(page, album, "first.jpg")
    picture = page.locator("#viewer-image")
    page.wait_for_function("document.querySelector('#viewer-image').complete")
    assert picture.evaluate("i => i.naturalWidth") >= 800
    facts = page.locator("#facts")
    expect(facts).to_contain_text("900 \u00d7 600")
    expect(facts).to_contain_text("JPEG")
    page.screenshot(path=screenshots / "viewer.png")


def test_arrow_keys_move_to_the_next_and_previous_image(page: Page, album: int) -> None:
    _open(page, album, "first.jpg")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#viewer-title")).to_have_text("second.jpg")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#viewer-title")).to_have_text("third.jpg")
    expect(page.get_by_role("button", name="Next image")).to_be_disabled()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#viewer-title")).to_have_text("second.jpg")


def test_alt_text_edited_in_the_viewer_is_kept(page: Page, album: int, darkroom: Darkroom) -> None:
    _open(page, album, "second.jpg")
    page.get_by_label("Alt text").fill("Two gulls over a grey sea")
    page.get_by_label("Description").fill("From the pier")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#saved")).to_have_text("Saved.")
    expect(page.locator("li.tile img[alt='Two gulls over a grey sea']")).to_have_count(1)
    page.reload()
    wait_for_grid(page)
    page.get_by_role("button", name="Open second.jpg").click()
    expect(page.get_by_label("Alt text")).to_have_value("Two gulls over a grey sea")
    expect(page.get_by_label("Description")).to_have_value("From the pier")


def test_star_and_private_are_saved_at_once(page: Page, album: int, darkroom: Darkroom) -> None:
    _open(page, album, "first.jpg")
    page.get_by_role("button", name="☆ Star").click()
    expect(page.locator("#star")).to_have_attribute("aria-pressed", "true")
    page.get_by_label("Private", exact=True).check()
    expect(page.locator("li.tile.private")).to_have_count(1)
    image = darkroom.api("alice").get("/v1/images", album=album, q="first.jpg")["items"][0]
    assert image["starred"] is True
    assert image["private"] is True


def test_trashed_image_leaves_the_grid_and_comes_back_when_restored(page: Page, album: int) -> None:
    _open(page, album, "second.jpg")
    page.get_by_role("button", name="Move to trash").click()
    expect(page.locator("#viewer-title")).to_have_text("third.jpg")
    page.keyboard.press("Escape")
    assert tile_names(page, album) == ["first.jpg", "third.jpg"]
    page.get_by_role("link", name="Trash", exact=True).click()
    expect(page).to_have_url(f"/?view=trash&album={album}")
    wait_for_grid(page)
    assert tile_names(page, album) == ["second.jpg"]
    page.get_by_role("button", name="Restore second.jpg").click()
    expect(page.locator("li.tile")).to_have_count(0)
    page.get_by_role("link", name="Back to images").click()
    wait_for_grid(page)
    assert tile_names(page, album) == ["first.jpg", "second.jpg", "third.jpg"]


def test_emptying_the_trash_deletes_its_images_for_good(
    page: Page, album: int, darkroom: Darkroom
) -> None:
    _open(page, album, "third.jpg")
    page.get_by_role("button", name="Move to trash").click()
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Trash", exact=True).click()
    wait_for_grid(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Empty trash").click()
    expect(page.get_by_role("status").filter(has_text="The trash is empty.")).to_be_visible()
    trashed = darkroom.api("alice").get("/v1/images", album=album, trashed="true")["items"]
    assert trashed == []
