"""Placeholders: while a thumbnail is on its way, its tile shows the image's ThumbHash, decoded
in the browser (darkroom/web/static/js/thumbhash.js) from the ``placeholder`` of /v1's Image.
The placeholder is computed at ingest (``media/_placeholder.py``)."""

from __future__ import annotations

from typing import Any

import pyvips
from playwright.sync_api import Page, Route, expect

from tests.browser.darkroom import Darkroom, log_in

TEAL = (20, 140, 160)


def _solid(colour: tuple[int, int, int]) -> bytes:
    plane = pyvips.Image.black(160, 120) + list(colour)
    data: bytes = plane.cast("uchar").copy(interpretation="srgb").jpegsave_buffer(Q=95)
    return data


def _teal_image(darkroom: Darkroom, album_name: str) -> tuple[int, dict[str, Any]]:
    api = darkroom.api("alice")
    album = api.album(album_name)
    image = api.upload(album, "teal.jpg", _solid(TEAL))
    assert isinstance(image["placeholder"], str)
    return album, image


def test_tile_shows_the_placeholder_until_its_thumbnail_arrives(
    page: Page, darkroom: Darkroom
) -> None:
    album, _ = _teal_image(darkroom, "Held back")
    held: list[Route] = []
    page.route("**/v1/images/*/content*", lambda route: held.append(route))  # never answered
    log_in(page, "alice", path=f"/?album={album}")
    tile = page.get_by_role("button", name="Open teal.jpg")
    expect(tile).to_have_class("open placeholder")
    background = tile.evaluate("b => getComputedStyle(b).backgroundImage")
    assert background.startswith('url("data:image/png;base64,')
    assert held  # the thumbnail was asked for, and is still on its way


def test_placeholder_decodes_to_the_images_colours(page: Page, darkroom: Darkroom) -> None:
    _, image = _teal_image(darkroom, "Decoded")
    page.goto("/")
    mean = page.evaluate(
        """async hash => {
            const { decode } = await import('/gallery/js/thumbhash.js');
            const { width, height, rgba } = decode(hash);
            const sum = [0, 0, 0];
            for (let i = 0; i < rgba.length; i += 4) {
                for (let c = 0; c < 3; c++) sum[c] += rgba[i + c];
            }
            return { width, height, mean: sum.map(s => s / (width * height)) };
        }""",
        image["placeholder"],
    )
    assert mean["width"] == 32  # landscape: 32 px wide, the height from the aspect ratio
    assert 20 <= mean["height"] <= 28
    assert all(abs(m - c) <= 12 for m, c in zip(mean["mean"], TEAL, strict=True)), mean
