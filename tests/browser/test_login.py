"""Logging in and out of the gallery, and what it looks like before and after."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.darkroom import PASSWORD, log_in


def test_gallery_without_a_session_shows_the_login_form(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.locator("#gallery")).to_be_hidden()


def test_login_with_the_right_password_shows_the_grid_and_who_is_in(page: Page) -> None:
    log_in(page, "alice")
    expect(page.locator("#who")).to_have_text("alice")
    expect(page.get_by_role("search")).to_be_visible()


def test_login_sets_an_httponly_session_and_a_readable_csrf_cookie(page: Page) -> None:
    log_in(page, "alice")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["darkroom_session"]["httpOnly"] is True
    assert cookies["darkroom_session"]["sameSite"] == "Strict"
    assert cookies["darkroom_csrf"]["httpOnly"] is False
    assert "darkroom_session" not in page.evaluate("document.cookie")


def test_login_with_a_wrong_password_says_so_and_stays_on_the_form(page: Page) -> None:
    page.goto("/")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD + "x")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    expect(page.locator("#gallery")).to_be_hidden()


def test_session_survives_a_reload(page: Page) -> None:
    log_in(page, "alice")
    page.reload()
    expect(page.locator("#who")).to_have_text("alice")


def test_logout_returns_to_the_login_form_for_good(page: Page) -> None:
    log_in(page, "alice")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
