"""Finding images in the grid: the search box and filters, kept in the URL so a view reloads
(or is bookmarked) as it was; thumbnails by srcset, lazily, in a format the browser takes;
albums as groups; the next page by cursor as the reader scrolls."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, Response, expect

from tests import images
from tests.browser.darkroom import Api, Darkroom, log_in, tile_names, wait_for_grid


@pytest.fixture(scope="module")
def seeded(darkroom: Darkroom) -> Api:
    """alice's albums "Seaside" (beach.jpg starred, dune.png) and "Town" (street.jpg, rain.jpg)."""
    api = darkroom.api("alice")
    seaside = api.album("Seaside")
    town = api.album("Town")
    beach = api.upload(seaside, "beach.jpg", images.jpeg(640, 480, seed=11))
    api.patch(beach["id"], starred=True, description="sunny sand")
    api.upload(seaside, "dune.png", images.png(480, 640, seed=12))
    api.upload(town, "street.jpg", images.jpeg(800, 533, seed=13))
    api.upload(town, "rain.jpg", images.jpeg(533, 800, seed=14))
    return api


def test_grid_groups_the_images_by_album(page: Page, seeded: Api, screenshots: Path) -> None:
    log_in(page, "alice")
    headings = page.locator("section.album h3 a").all_inner_texts()
    assert headings == ["Seaside", "Town"]
    assert sorted(tile_names(page)) == ["beach.jpg", "dune.png", "rain.jpg", "street.jpg"]
    page.wait_for_function("[...document.querySelectorAll('li.tile img')].every(i => i.complete)")
    page.screenshot(path=screenshots / "grid.png")


def test_search_box_filters_the_grid_and_names_the_query_in_the_url(
    page: Page, seeded: Api
) -> None:
    log_in(page, "alice")
    page.get_by_label("Search").fill("sand")
    expect(page).to_have_url("/?q=sand")
    wait_for_grid(page)
    assert tile_names(page) == ["beach.jpg"]


def test_filtered_view_comes_back_the_same_after_a_reload(page: Page, seeded: Api) -> None:
    log_in(page, "alice")
    page.get_by_label("Format").select_option("jpeg")
    page.get_by_label("Sort").select_option("name")
    expect(page).to_have_url("/?format=jpeg&sort=name")
    wait_for_grid(page)
    before = tile_names(page)
    assert before == ["beach.jpg", "rain.jpg", "street.jpg"]
    page.reload()
    wait_for_grid(page)
    assert tile_names(page) == before
    expect(page.get_by_label("Format")).to_have_value("jpeg")
    expect(page.get_by_label("Sort")).to_have_value("name")


def test_bookmarked_url_opens_with_its_filters_filled_in(page: Page, seeded: Api) -> None:
    log_in(page, "alice", path="/?q=beach&starred=true")
    expect(page.get_by_label("Search")).to_have_value("beach")
    expect(page.get_by_label("Starred only")).to_be_checked()
    assert tile_names(page) == ["beach.jpg"]


def test_starred_filter_shows_only_starred_images(page: Page, seeded: Api) -> None:
    log_in(page, "alice")
    page.get_by_label("Starred only").check()
    expect(page).to_have_url("/?starred=true")
    wait_for_grid(page)
    assert tile_names(page) == ["beach.jpg"]


def test_album_heading_opens_that_album_alone(page: Page, seeded: Api) -> None:
    log_in(page, "alice")
    page.get_by_role("link", name="Town").click()
    wait_for_grid(page)
    assert sorted(tile_names(page)) == ["rain.jpg", "street.jpg"]
    expect(page.get_by_role("heading", name="Town", level=2)).to_be_visible()
    page.reload()
    wait_for_grid(page)
    assert sorted(tile_names(page)) == ["rain.jpg", "street.jpg"]


def test_scrolling_down_loads_the_next_page_by_cursor(page: Page, seeded: Api) -> None:
    pages: list[str] = []
    page.on("request", lambda r: pages.append(r.url) if "/v1/images?" in r.url else None)
    page.set_viewport_size({"width": 400, "height": 300})
    log_in(page, "alice", path="/?limit=1&sort=name")
    page.mouse.wheel(0, 5000)
    page.wait_for_function("document.querySelectorAll('li.tile').length === 4")
    wait_for_grid(page)
    assert tile_names(page) == ["beach.jpg", "dune.png", "rain.jpg", "street.jpg"]
    assert sum("cursor=" in url for url in pages) == 3


def test_thumbnails_offer_a_srcset_and_load_lazily(page: Page, seeded: Api) -> None:
    log_in(page, "alice")
    first = page.locator("li.tile img").first
    expect(first).to_have_attribute("loading", "lazy")
    srcset = first.get_attribute("srcset") or ""
    assert "/v1/images/" in srcset
    assert " 200w" in srcset
    assert first.get_attribute("sizes")


def test_thumbnails_arrive_as_webp_or_avif_which_the_browser_accepts(
    page: Page, seeded: Api
) -> None:
    types: list[str] = []

    def record(response: Response) -> None:
        if "/content" in response.url and response.status == 200:
            types.append(response.headers["content-type"])

    page.on("response", record)
    log_in(page, "alice")
    page.wait_for_function("[...document.querySelectorAll('li.tile img')].every(i => i.complete)")
    assert types
    assert set(types) <= {"image/webp", "image/avif"}
