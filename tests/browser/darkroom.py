"""What the browser tests share: the server's address, a /v1 client for setting up what a test
then looks at in the browser (real HTTP, the gallery's own API), and the gallery's steps that
every test takes (log in, wait for the grid)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from playwright.sync_api import Page, expect

PASSWORD = "a long enough test password"
SHARED_SPACE = "shared"  # the Moov account alice and bob are both members of
SHARED = f"moov-account:{SHARED_SPACE}"


@dataclass(frozen=True)
class Darkroom:
    url: str
    _apis: dict[str, Api] = field(default_factory=dict, compare=False, repr=False)

    def api(self, username: str) -> Api:
        """A /v1 client logged in as ``username`` (cookie session and CSRF header), one per
        user for the server's life."""
        if username not in self._apis:
            self._apis[username] = Api.login(self.url, username)
        return self._apis[username]

    def close(self) -> None:
        for api in self._apis.values():
            api.client.close()


class Api:
    """The /v1 calls the tests set up data with; each raises on a status it did not expect."""

    def __init__(self, client: httpx.Client, me: dict[str, Any]) -> None:
        self.client = client
        self.me = me

    @classmethod
    def login(cls, url: str, username: str) -> Api:
        client = httpx.Client(base_url=url, timeout=30)
        answer = client.post("/v1/session", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 201, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        return cls(client, answer.json()["user"])

    @property
    def personal(self) -> str:
        return f"personal:{self.me['id']}"

    def album(self, name: str, space: str | None = None) -> int:
        path = f"/v1/spaces/{space or self.personal}/albums"
        answer = self.client.post(path, json={"name": name})
        assert answer.status_code == 201, answer.text
        album_id: int = answer.json()["id"]
        return album_id

    def upload(self, album: int, name: str, data: bytes) -> dict[str, Any]:
        answer = self.client.post(f"/v1/albums/{album}/images", files={"file": (name, data)})
        assert answer.status_code == 201, answer.text
        image: dict[str, Any] = answer.json()
        return image

    def patch(self, image: int, **changes: Any) -> dict[str, Any]:
        answer = self.client.patch(f"/v1/images/{image}", json=changes)
        assert answer.status_code == 200, answer.text
        patched: dict[str, Any] = answer.json()
        return patched

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        answer = self.client.get(path, params=params)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


def log_in(page: Page, username: str, path: str = "/") -> None:
    """Open ``path`` and log in through the gallery's form; wait for the grid."""
    page.goto(path)
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    wait_for_grid(page)


def wait_for_grid(page: Page) -> None:
    """Until the grid has loaded every page it was asked for (the last has no next cursor)."""
    expect(page.locator("#gallery")).to_be_visible()
    page.wait_for_selector("#albums[data-complete='true']", state="attached")


def tile_names(page: Page, album: int | None = None) -> list[str]:
    """The names of the images the grid shows (of one album), in order."""
    scope = f"section[data-album='{album}'] " if album is not None else ""
    labels = page.locator(f"{scope}li.tile button.open").evaluate_all(
        "buttons => buttons.map(b => b.getAttribute('aria-label'))"
    )
    return [str(label).removeprefix("Open ") for label in labels]
