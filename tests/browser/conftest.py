"""Browser tests: Playwright (PyPI) driving Debian's Chromium, headless and offline, against a
real darkroom server.

One server per test module (its own SQLite database and blob folder, users alice and bob who
share a Moov account), one Chromium per session, a fresh browser context (no cookies) per test.
`playwright install` cannot download browsers here: `make test` installs Debian's `chromium`
(scripts/ensure-chromium) and Playwright is pointed at it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from darkroom.api import vocabulary
from darkroom.app import create_app
from darkroom.core import accounts, spaces
from darkroom.core.access import Role, SpaceRole
from tests.browser.darkroom import PASSWORD, SHARED_SPACE, Darkroom
from tests.conftest import sqlite_runtime
from tests.live import serve

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).parent / ".screenshots"
TIMEOUT_MS = 15_000
# expect() waits as long as actions do (its own default is 5 s: too short on a busy machine).
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"no {CHROMIUM}: run scripts/ensure-chromium (make test does)"
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def darkroom(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Darkroom]:
    """A darkroom server for the module, with alice and bob (members of one Moov account)."""
    folder = tmp_path_factory.mktemp("browser")
    with sqlite_runtime(folder, sqlite_template, max_upload_bytes=2 * 1024 * 1024) as rt:
        with rt.transaction() as session:
            space = spaces.ensure(session, vocabulary.MOOV_ACCOUNT, SHARED_SPACE)
            for name in ("alice", "bob"):
                user = accounts.create_principal(session, name, password=PASSWORD, role=Role.MEMBER)
                accounts.add_grant(session, user, space, role=SpaceRole.MEMBER)
        with serve(create_app(runtime=rt)) as url:
            server = Darkroom(url)
            yield server
            server.close()


@pytest.fixture
def page(browser: Browser, darkroom: Darkroom) -> Iterator[Page]:
    """A page in a fresh browser context (no session), at darkroom's address.

    The gallery's Content-Security-Policy forbids evaluating strings as scripts, which is how
    Playwright runs the tests' own page functions; the context lets those through
    (``bypass_csp``). test_offline_and_look.py logs in and uploads under the policy as sent.
    """
    context = browser.new_context(
        base_url=darkroom.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the tests save what they saw (the grid, the viewer, the upload dialog)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
