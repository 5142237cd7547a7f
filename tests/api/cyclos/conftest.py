"""Fixtures for the Cyclos door: a live server, four users, an advertisement and a contact info.

Users: ``alice`` (the owner in most tests), ``bob`` (another member), ``boss`` (a broker: a member
with a manager's grant on alice's personal space) and ``root`` (an administrator). Alice owns
advertisement 123 (product number ``P1``) and contact info 55.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from fastapi import FastAPI

from darkroom.api.cyclos import entities
from darkroom.api.cyclos.entities import EntityKind
from darkroom.app import create_app
from darkroom.config import Settings
from darkroom.core import accounts, logins, spaces
from darkroom.core.access import PERSONAL_SPACE, Role, SpaceRole
from darkroom.core.accounts import CredentialKind
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.db.models import Credential
from tests import images as samples
from tests.api.cyclos.client import CyclosClient, basic
from tests.conftest import fresh_sqlite_database
from tests.live import serve

PASSWORD = "secret"
AD = "123"
PRODUCT = "P1"
CONTACT_INFO = "55"
ROLES = {"alice": Role.MEMBER, "bob": Role.MEMBER, "boss": Role.MEMBER, "root": Role.ADMIN}
MANAGED_BY_BOSS = ("alice",)


@cache
def _password_hash() -> str:
    # One scrypt for the whole run: hashing per user would cost ~40 ms each.
    return accounts.hash_password(PASSWORD)


def add_user(rt: Runtime, name: str, role: Role = Role.MEMBER, email: str | None = None) -> int:
    with rt.transaction() as session:
        principal = accounts.create_principal(session, name, role=role, email=email)
        session.add(
            Credential(
                principal_id=principal.id,
                kind=CredentialKind.PASSWORD,
                secret_hash=_password_hash(),
            )
        )
        return principal.id


def grant_manager(rt: Runtime, name: str, *personal_ids: str) -> None:
    """Make user ``name`` a manager of the personal spaces ``personal_ids`` (user ids, or
    ``guests``), as ``darkroom grants add NAME cyclos-user:ID --role manager`` does."""
    with rt.transaction() as session:
        principal = accounts.get_principal(session, name)
        for external_id in personal_ids:
            space = spaces.ensure(session, PERSONAL_SPACE, external_id)
            accounts.add_grant(session, principal, space, role=SpaceRole.MANAGER)


@dataclass(frozen=True)
class World:
    """The server's ``/api`` base URL and the ids of what the fixture made."""

    api: str
    rt: Runtime
    ids: dict[str, int]

    def guest(self, **options: object) -> CyclosClient:
        return CyclosClient(self.api, **options)  # type: ignore[arg-type]

    def session_of(self, name: str) -> CyclosClient:
        """A client logged in with a session made in the core (no scrypt per request), the
        token also as a default header, for tests whose subject is not authentication."""
        user = accounts.principal_named(self.rt, name)
        token = logins.open_session(self.rt, user.id).token
        return CyclosClient(self.api, session_token=token, default_headers={"Session-Token": token})

    def user(self, name: str) -> CyclosClient:
        """A client configured with ``name``'s password, also as a default header so that the
        unsecured operations (delete, view, content, temp) carry it too (spec §6)."""
        return CyclosClient(
            self.api,
            username=name,
            password=PASSWORD,
            default_headers={"Authorization": basic(name, PASSWORD)},
        )


@pytest.fixture(scope="module")
def _live_app(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[FastAPI, str]]:
    """One uvicorn server per module: starting and stopping one per test costs ~0.2 s."""
    folder = tmp_path_factory.mktemp("cyclos-server")
    rt = open_runtime(
        Settings(
            data_dir=folder / "data",
            database_url=fresh_sqlite_database(folder, sqlite_template),
            storage_url=f"file://{folder / 'data' / 'blobs'}",
        )
    )
    app = create_app(runtime=rt)
    try:
        with serve(app) as url:
            yield app, url
    finally:
        rt.close()


@pytest.fixture
def server(_live_app: tuple[FastAPI, str], api_runtime: Runtime) -> str:
    """The module's server, answering from this test's own database and blob folder (the app
    reads ``app.state.runtime`` on every request)."""
    app, url = _live_app
    app.state.runtime = api_runtime
    return url


@pytest.fixture
def world(server: str, api_runtime: Runtime) -> World:
    ids = {name: add_user(api_runtime, name, role) for name, role in ROLES.items()}
    grant_manager(api_runtime, "boss", *(str(ids[name]) for name in MANAGED_BY_BOSS))
    entities.create(api_runtime, "alice", EntityKind.AD, AD, product_number=PRODUCT)
    entities.create(api_runtime, "alice", EntityKind.CONTACT_INFO, CONTACT_INFO)
    return World(api=f"{server}/api", rt=api_runtime, ids=ids)


def jpeg(seed: int = 0, width: int = 64, height: int = 48) -> tuple[str, bytes]:
    return (f"photo{seed}.jpg", samples.jpeg(width, height, seed=seed))


def png(seed: int = 0, width: int = 64, height: int = 48) -> tuple[str, bytes]:
    return (f"picture{seed}.png", samples.png(width, height, seed=seed))


def uploaded(world: World, user: str = "alice", seed: int = 0, kind: str | None = None) -> str:
    """The id of a new image of ``user`` (profile unless ``kind``), uploaded by its owner."""
    answer = world.session_of(user).upload_user_image("self", jpeg(seed), kind=kind)
    assert answer.status_code == 201, answer.text
    return answer.text
