"""What the gallery and the API docs need from outside the machine (nothing), and how they look:
light and dark by the system's preference, every control labelled."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Request, expect

from tests import images
from tests.browser.darkroom import Darkroom, log_in


def _hosts(requests: list[Request]) -> set[str]:
    return {urlsplit(r.url).hostname or "" for r in requests if urlsplit(r.url).scheme != "data"}


def test_api_docs_render_with_nothing_from_outside_the_machine(page: Page) -> None:
    requests: list[Request] = []
    page.on("request", lambda r: requests.append(r))
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("darkroom")
    expect(page.locator(".opblock").first).to_be_visible()
    assert _hosts(requests) == {"127.0.0.1"}


def test_gallery_loads_nothing_from_outside_the_machine(page: Page, darkroom: Darkroom) -> None:
    api = darkroom.api("alice")
    api.upload(api.album("Offline"), "local.jpg", images.jpeg(300, 200, seed=60))
    requests: list[Request] = []
    page.on("request", lambda r: requests.append(r))
    log_in(page, "alice")
    page.wait_for_function("[...document.querySelectorAll('li.tile img')].every(i => i.complete)")
    assert _hosts(requests) == {"127.0.0.1"}


def _background(page: Page) -> str:
    return str(page.evaluate("getComputedStyle(document.body).backgroundColor"))


def test_dark_system_preference_gives_a_dark_page(page: Page) -> None:
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    assert _background(page) == "rgb(18, 18, 21)"


def test_light_system_preference_gives_a_light_page(page: Page) -> None:
    page.emulate_media(color_scheme="light")
    page.goto("/")
    assert _background(page) == "rgb(250, 250, 250)"


def test_every_form_control_has_a_label(page: Page) -> None:
    log_in(page, "alice")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(c => !c.labels?.length && !c.getAttribute('aria-label'))
            .map(c => c.id || c.name)"""
    )
    assert unlabelled == []


def test_every_button_has_a_name(page: Page) -> None:
    log_in(page, "alice")
    nameless = page.evaluate(
        """() => [...document.querySelectorAll('button')]
            .filter(b => !b.textContent.trim() && !b.getAttribute('aria-label'))
            .map(b => b.id)"""
    )
    assert nameless == []


def test_keyboard_focus_is_visible_on_the_first_control(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_gallery_works_under_its_own_content_security_policy(
    browser: Browser, darkroom: Darkroom
) -> None:
    api = darkroom.api("alice")
    api.upload(api.album("Under policy"), "policed.jpg", images.jpeg(300, 200, seed=61))
    context = browser.new_context(base_url=darkroom.url)  # the policy enforced, as sent
    try:
        tab = context.new_page()
        violations: list[str] = []
        tab.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        log_in(tab, "alice")
        picture = tab.get_by_role("button", name="Open policed.jpg").locator("img")
        expect(picture).to_have_class("loaded")
        tab.get_by_role("button", name="Open policed.jpg").click()
        expect(tab.locator("#viewer-title")).to_have_text("policed.jpg")
        assert violations == []
    finally:
        context.close()
