"""Share links from the viewer: copied for someone without a session, working until they expire."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, Page, expect

from tests import images
from tests.browser.darkroom import Darkroom, log_in

LIFETIME_S = 3


def _share(page: Page, darkroom: Darkroom, expires_in: str) -> str:
    api = darkroom.api("alice")
    album = api.album(f"Shared {expires_in}")
    api.upload(album, "shared.jpg", images.jpeg(320, 240, seed=40))
    log_in(page, "alice", path=f"/?album={album}")
    page.get_by_role("button", name="Open shared.jpg").click()
    page.get_by_label("Share link lasts").fill(expires_in)
    page.get_by_role("button", name="Copy share link").click()
    expect(page.locator("#share-note")).to_contain_text("it works until")
    link = page.get_by_label("Share link", exact=True).input_value()
    assert link.startswith(darkroom.url + "/v1/images/")
    return link


def test_share_link_is_put_on_the_clipboard(page: Page, darkroom: Darkroom) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    link = _share(page, darkroom, "1d")
    assert page.evaluate("navigator.clipboard.readText()") == link


def test_share_link_opens_without_a_session_until_it_expires(
    page: Page, browser: Browser, darkroom: Darkroom
) -> None:
    link = _share(page, darkroom, f"{LIFETIME_S}s")
    assert _status_in_a_fresh_context(browser, link) == 200
    time.sleep(LIFETIME_S + 1.5)  # past the link's end (a wait, not a timing assertion)
    # Another fresh context: the first one's cache may keep the bytes it was sent.
    assert _status_in_a_fresh_context(browser, link) == 403


def _status_in_a_fresh_context(browser: Browser, link: str) -> int:
    stranger = browser.new_context()  # no cookies: nobody's session
    try:
        opened = stranger.new_page().goto(link)
        assert opened is not None
        assert stranger.cookies() == []
        if opened.status == 200:
            assert opened.headers["content-type"] == "image/jpeg"
        return opened.status
    finally:
        stranger.close()
