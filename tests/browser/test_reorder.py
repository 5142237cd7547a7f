"""Reordering an ordered album in the grid: by dragging, or from the keyboard (Alt+Arrow on a
focused picture); saved at once, so a reload shows the new order."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import images
from tests.browser.darkroom import Darkroom, log_in, tile_names, wait_for_grid


def _album(darkroom: Darkroom, name: str) -> int:
    api = darkroom.api("alice")
    album = api.album(name)
    for seed, image in enumerate(("one.jpg", "two.jpg", "three.jpg")):
        api.upload(album, image, images.jpeg(200, 150, seed=20 + seed))
    return album


def _tile(page: Page, album: int, name: str) -> str:
    return f"section[data-album='{album}'] li.tile:has(button[aria-label='Open {name}'])"


def _wait_saved(page: Page) -> None:
    expect(page.get_by_role("status").filter(has_text="order saved")).to_be_visible()


def test_dragging_a_picture_saves_the_new_order(page: Page, darkroom: Darkroom) -> None:
    album = _album(darkroom, "Dragged")
    log_in(page, "alice", path=f"/?album={album}")
    assert tile_names(page, album) == ["one.jpg", "two.jpg", "three.jpg"]
    page.drag_and_drop(_tile(page, album, "three.jpg"), _tile(page, album, "one.jpg"))
    _wait_saved(page)
    assert tile_names(page, album) == ["three.jpg", "one.jpg", "two.jpg"]
    page.reload()
    wait_for_grid(page)
    assert tile_names(page, album) == ["three.jpg", "one.jpg", "two.jpg"]


def test_order_saved_in_the_gallery_is_the_albums_order_in_the_api(
    page: Page, darkroom: Darkroom
) -> None:
    album = _album(darkroom, "Dragged too")
    log_in(page, "alice", path=f"/?album={album}")
    page.drag_and_drop(_tile(page, album, "one.jpg"), _tile(page, album, "three.jpg"))
    _wait_saved(page)
    listed = darkroom.api("alice").get("/v1/images", album=album, sort="position")["items"]
    assert [i["name"] for i in listed] == ["two.jpg", "three.jpg", "one.jpg"]


def test_alt_arrow_on_a_focused_picture_moves_it_and_saves(page: Page, darkroom: Darkroom) -> None:
    album = _album(darkroom, "Keyboard")
    log_in(page, "alice", path=f"/?album={album}")
    page.get_by_role("button", name="Open one.jpg").focus()
    page.keyboard.press("Alt+ArrowRight")
    _wait_saved(page)
    assert tile_names(page, album) == ["two.jpg", "one.jpg", "three.jpg"]
    expect(page.get_by_role("button", name="Open one.jpg")).to_be_focused()
    page.reload()
    wait_for_grid(page)
    assert tile_names(page, album) == ["two.jpg", "one.jpg", "three.jpg"]


def test_pictures_cannot_be_dragged_in_a_filtered_view(page: Page, darkroom: Darkroom) -> None:
    _album(darkroom, "Filtered")
    log_in(page, "alice", path="/?q=one")
    expect(page.locator("li.tile").first).to_be_visible()
    assert page.locator("li.tile[draggable='true']").count() == 0
    expect(page.locator("#reorder-hint")).to_be_hidden()
