"""Fixtures shared by the whole suite.

Core and database tests run twice: on SQLite (the embedded default) and on a real PostgreSQL
server that this test session starts in a temporary folder (see tests/_postgres.py). Nothing is
skipped: without PostgreSQL the suite fails, and `make test` installs it first.
"""

from __future__ import annotations

import functools
import itertools
import shutil
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx._transports.default
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from darkroom.api import vocabulary
from darkroom.config import Settings
from darkroom.core import accounts
from darkroom.core.access import GUEST, Actor, Role, Scope, SpaceRole, trusted_scope
from darkroom.core.eviction import THREAD_NAME as EVICTION_THREAD
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.db import migrate
from darkroom.db.engine import make_engine
from darkroom.db.models import Principal
from darkroom.storage import LocalStore
from tests._postgres import PostgresServer, postgres_server

TEMPLATE_DB = "darkroom_template"
_db_numbers = itertools.count(1)

# Every httpx client builds an SSL context from certifi's CA bundle (30-80 ms: most of what a
# client costs), though the tests speak plain HTTP to loopback servers. The default context is
# built once and shared (an SSLContext may serve any number of connections); any other
# ``verify``/``cert`` still gets its own.
_ssl_context = httpx._transports.default.create_ssl_context
_default_ssl_context = functools.cache(_ssl_context)


def _shared_ssl_context(
    verify: ssl.SSLContext | str | bool = True, cert: Any = None, trust_env: bool = True
) -> ssl.SSLContext:
    if verify is True and cert is None:
        return _default_ssl_context(trust_env=trust_env)
    return _ssl_context(verify=verify, cert=cert, trust_env=trust_env)


httpx._transports.default.create_ssl_context = _shared_ssl_context

# Passwords hashed in the test process use scrypt at N = 2**4 instead of production's 2**14
# (about 40 ms each, hundreds of times a run). A stored hash names its own parameters, which
# checking reads back, so every code path runs as in production, only cheaper; the servers the
# tests start as processes (tests/test_serve.py, tests/cluster/) keep production's cost.
accounts.SCRYPT_N = 2**4


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test is slower)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_instance() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (tests that stop and start it use this)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_instance: PostgresServer) -> str:
    """A PostgreSQL server for this session, with a migrated template database."""
    url = postgres_instance.url
    admin = make_engine(url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {TEMPLATE_DB}"))
    template = make_engine(_with_database(url, TEMPLATE_DB))
    migrate.upgrade(template)
    template.dispose()
    admin.dispose()
    return url


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def fresh_postgres_database(url: str) -> str:
    name = f"darkroom_test_{next(_db_numbers)}"
    admin = make_engine(url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}"))
    admin.dispose()
    return _with_database(url, name)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated, empty database of each kind."""
    if request.param == "sqlite":
        return fresh_sqlite_database(tmp_path, sqlite_template)
    return fresh_postgres_database(request.getfixturevalue("postgres_url"))


def fresh_sqlite_database(folder: Path, template: Path) -> str:
    path = folder / "darkroom.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        storage_url=f"file://{tmp_path / 'data' / 'blobs'}",
        max_upload_bytes=2 * 1024 * 1024,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(settings)
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def local_store(runtime: Runtime) -> LocalStore:
    assert isinstance(runtime.store, LocalStore)
    return runtime.store


def make_actor(runtime: Runtime, name: str, role: Role = Role.MEMBER) -> Actor:
    with runtime.transaction() as session:
        principal = Principal(name=name, role=role, display_name=name)
        session.add(principal)
        session.flush()
        return Actor(principal_id=principal.id, role=role, name=name)


def grant(
    runtime: Runtime,
    actor: Actor,
    kind: str,
    external_id: str,
    role: SpaceRole = SpaceRole.MEMBER,
) -> None:
    """Give ``actor`` ``role`` in the space ``kind:external_id`` (made if missing)."""
    from darkroom.core import accounts, spaces

    with runtime.transaction() as session:
        space = spaces.ensure(session, kind, external_id)
        principal = session.get_one(Principal, actor.principal_id)
        accounts.add_grant(session, principal, space, role=role)


@pytest.fixture
def admin(runtime: Runtime) -> Actor:
    return make_actor(runtime, "root", Role.ADMIN)


@pytest.fixture
def member(runtime: Runtime) -> Actor:
    return make_actor(runtime, "mia", Role.MEMBER)


def scope_for(runtime: Runtime, actor: Actor, external_id: str = "acct1") -> Scope:
    """A scope in a Moov-account-like space, created through the same path as a request."""
    from darkroom.core import spaces

    with runtime.transaction() as session:
        space = spaces.ensure(session, vocabulary.MOOV_ACCOUNT, external_id)
    return trusted_scope(space, actor)


@pytest.fixture
def scope(runtime: Runtime, admin: Actor) -> Scope:
    return scope_for(runtime, admin)


@contextmanager
def sqlite_runtime(folder: Path, template: Path, **settings: Any) -> Iterator[Runtime]:
    """A runtime on a fresh SQLite database and a local blob folder under ``folder``, with
    ``settings`` changed from the defaults; closed when the block exits."""
    data = folder / "data"
    rt = open_runtime(
        Settings(
            data_dir=data,
            database_url=fresh_sqlite_database(folder, template),
            storage_url=f"file://{data / 'blobs'}",
            **settings,
        )
    )
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def api_runtime(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    """A runtime on SQLite and a local blob folder, for tests that speak HTTP to a server."""
    with sqlite_runtime(tmp_path, sqlite_template) as rt:
        yield rt


@pytest.fixture
def server(api_runtime: Runtime) -> Iterator[str]:
    """The base URL of a real darkroom server (uvicorn on a free loopback port)."""
    from darkroom.app import create_app
    from tests.live import serve

    with serve(create_app(runtime=api_runtime)) as url:
        yield url


__all__ = ["GUEST", "grant", "make_actor", "scope_for"]


def record_writes(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every write transaction ``runtime`` opens from now on (reads open ``runtime.reading``),
    but for the variant cache's batched use times: its own thread writes those every few
    seconds (``core/eviction.py``), whatever requests come."""
    opened: list[str] = []
    write = runtime.transaction

    @contextmanager
    def recorded() -> Iterator[Session]:
        if threading.current_thread().name != EVICTION_THREAD:
            opened.append("write")
        with write() as session:
            yield session

    monkeypatch.setattr(runtime, "transaction", recorded)
    return opened


# Files that each take minutes on one worker (servers started as processes, a browser), slowest
# first. Run first, they overlap with the many short files; collected in their place (at the end)
# they finished alone while the other worker idled.
_LONG_FIRST = (
    "tests/test_serve.py",
    "tests/cluster/",
    "tests/browser/",
    "tests/api/test_authorization_matrix.py",
    "tests/test_serve_delivery.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        for place, prefix in enumerate(_LONG_FIRST):
            if item.nodeid.startswith(prefix):
                return place
        return len(_LONG_FIRST)

    items.sort(key=rank)  # stable: each file keeps its own order
