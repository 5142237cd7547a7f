"""Fixtures for ``/v1``: a live server on SQLite, users with passwords and API tokens, and
clients that log in (cookie session + CSRF token) or carry a bearer token.

Users: ``alice`` and ``bob`` (members), ``root`` (an admin). ``project`` is the Procore project
``procore-project:10`` under company 1; alice is a member there, bob a viewer.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from darkroom.app import create_app
from darkroom.core import accounts, credentials, spaces
from darkroom.core.access import Role, SpaceRole
from darkroom.core.accounts import CredentialKind
from darkroom.core.runtime import Runtime
from darkroom.db.models import Credential
from tests import images as samples
from tests.conftest import sqlite_runtime
from tests.live import serve

PASSWORD = "v1-password"
COMPANY = ("procore-company", "1")
PROJECT = ("procore-project", "10")


@cache
def _password_hash() -> str:
    return accounts.hash_password(PASSWORD)  # one scrypt for the whole run


def add_user(rt: Runtime, name: str, role: Role = Role.MEMBER) -> int:
    with rt.transaction() as session:
        principal = accounts.create_principal(session, name, role=role)
        session.add(
            Credential(
                principal_id=principal.id,
                kind=CredentialKind.PASSWORD,
                secret_hash=_password_hash(),
            )
        )
        return principal.id


def give(rt: Runtime, user: str, space: tuple[str, str], role: SpaceRole) -> None:
    with rt.transaction() as session:
        company = spaces.ensure(session, *COMPANY)
        parent = company if space == PROJECT else None
        found = spaces.ensure(session, *space, parent=parent)
        principal = accounts.get_principal(session, user)
        accounts.add_grant(session, principal, found, role=role)


@dataclass
class Users:
    ids: dict[str, int]


@dataclass
class Client:
    """An HTTP client of the live server, logged in (``csrf`` set) or holding a token."""

    http: httpx.Client
    csrf: str | None = None
    user_id: int | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.csrf is not None and method.upper() in {"POST", "PUT", "PATCH", "DELETE"}:
            headers.setdefault("X-CSRF-Token", self.csrf)
        return self.http.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    # --- shortcuts the tests share ---

    @property
    def space(self) -> str:
        return f"personal:{self.user_id}"

    def album(self, name: str = "Holidays", space: str | None = None, **extra: Any) -> int:
        answer = self.post(f"/v1/spaces/{space or self.space}/albums", json={"name": name, **extra})
        assert answer.status_code == 201, answer.text
        album_id: int = answer.json()["id"]
        return album_id

    def upload(
        self, album: int, data: bytes | None = None, name: str = "a.jpg", **form: str
    ) -> Any:
        """Upload one file (a JPEG drawn from its name by default): the new image."""
        content = data if data is not None else samples.jpeg(seed=zlib.crc32(name.encode()) % 997)
        answer = self.post(
            f"/v1/albums/{album}/images", files=[("file", (name, content, "image/jpeg"))], data=form
        )
        assert answer.status_code == 201, answer.text
        return answer.json()


@pytest.fixture
def v1_runtime(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    with sqlite_runtime(tmp_path, sqlite_template, max_upload_bytes=2 * 1024 * 1024) as rt:
        yield rt


@pytest.fixture
def users(v1_runtime: Runtime) -> Users:
    ids = {
        "alice": add_user(v1_runtime, "alice"),
        "bob": add_user(v1_runtime, "bob"),
        "root": add_user(v1_runtime, "root", Role.ADMIN),
    }
    give(v1_runtime, "alice", PROJECT, SpaceRole.MEMBER)
    give(v1_runtime, "bob", PROJECT, SpaceRole.VIEWER)
    return Users(ids)


@pytest.fixture
def base_url(v1_runtime: Runtime, users: Users) -> Iterator[str]:
    with serve(create_app(runtime=v1_runtime)) as url:
        yield url


def log_in(base_url: str, users: Users, name: str) -> Client:
    http = httpx.Client(timeout=30, base_url=base_url)
    answer = http.post("/v1/session", json={"username": name, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return Client(http, csrf=answer.json()["csrf_token"], user_id=users.ids[name])


def with_token(base_url: str, rt: Runtime, users: Users, name: str) -> Client:
    token, _ = credentials.issue_token(rt, name)
    http = httpx.Client(timeout=30, base_url=base_url, headers={"Authorization": f"Bearer {token}"})
    return Client(http, user_id=users.ids[name])


@pytest.fixture
def alice(base_url: str, users: Users) -> Iterator[Client]:
    client = log_in(base_url, users, "alice")
    yield client
    client.http.close()


@pytest.fixture
def bob(base_url: str, users: Users) -> Iterator[Client]:
    client = log_in(base_url, users, "bob")
    yield client
    client.http.close()


@pytest.fixture
def alice_script(base_url: str, v1_runtime: Runtime, users: Users) -> Iterator[Client]:
    client = with_token(base_url, v1_runtime, users, "alice")
    yield client
    client.http.close()


@pytest.fixture
def anonymous(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30, base_url=base_url) as client:
        yield client


def error_of(answer: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of a ``/v1`` error answer, checked for its shape."""
    body = answer.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert "field" in error
    return error
