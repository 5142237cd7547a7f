"""No password is hashed while a database transaction is open, on any door, the CLI or startup.

Checked structurally, not by timing: SQLAlchemy's connection events (on every engine) keep, per
thread, the transactions that have begun and not yet ended; scrypt (``accounts._scrypt``, the one
place it runs) is wrapped to note, each time it runs, whether its thread has one open. scrypt
(~40 ms) inside ``BEGIN IMMEDIATE`` would make every writer wait behind a flood of wrong
passwords.
"""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event
from typer.testing import CliRunner

from darkroom.api import vocabulary
from darkroom.app import create_app
from darkroom.cli import app as cli
from darkroom.core import accounts, spaces
from darkroom.core.access import Role
from darkroom.core.runtime import Runtime
from tests.conftest import sqlite_runtime
from tests.live import serve

MOOV_ACCOUNT = "3a4ed2d9-03e1-4b0e-b45f-2a9ca72f8adb"


@dataclass
class Hashes:
    """Each scrypt run: whether a transaction was open on its thread when it ran."""

    open_transactions: threading.local = field(default_factory=threading.local)
    runs: list[bool] = field(default_factory=list)

    def depth(self) -> int:
        return int(getattr(self.open_transactions, "depth", 0))

    def began(self, _connection: Any) -> None:
        self.open_transactions.depth = self.depth() + 1

    def ended(self, _connection: Any) -> None:
        self.open_transactions.depth = max(0, self.depth() - 1)

    def inside(self) -> list[bool]:
        return [run for run in self.runs if run]


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hashes]:
    found = Hashes()
    listeners = [("begin", found.began), ("commit", found.ended), ("rollback", found.ended)]
    for name, listener in listeners:
        event.listen(Engine, name, listener)
    scrypt = accounts._scrypt

    def watched(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        found.runs.append(found.depth() > 0)
        return scrypt(password, salt, n, r, p)

    monkeypatch.setattr(accounts, "_scrypt", watched)
    accounts.forget_verified_passwords()  # every check below hashes
    try:
        yield found
    finally:
        for name, listener in listeners:
            event.remove(Engine, name, listener)


@pytest.fixture
def rt(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    """A server runtime whose settings name an admin, so startup sets the admin's password."""
    with sqlite_runtime(
        tmp_path, sqlite_template, admin_user="root", admin_password="root's secret"
    ) as runtime:
        yield runtime


def _basic(user: str, password: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}", "Accept": "application/json"}


def test_the_watch_sees_a_hash_made_inside_a_transaction(hashes: Hashes, rt: Runtime) -> None:
    # The check is not vacuous: a plain password given to set_password is hashed in place.
    with rt.transaction() as session:
        accounts.create_principal(session, "eve", password="hashed in the transaction")
    assert hashes.inside() == [True]


# Each request hashes a password (on purpose slow); on a busy machine one takes over httpx's 5 s.
WAIT_S = 30


def test_no_password_is_hashed_inside_a_transaction_on_any_door(
    hashes: Hashes, rt: Runtime
) -> None:
    with serve(create_app(runtime=rt)) as base:  # startup: the admin's password is set
        with rt.transaction() as session:
            ada = accounts.create_principal(
                session, "ada", password=accounts.HashedPassword("x"), email="ada@example.com"
            )
            account = spaces.ensure(session, vocabulary.MOOV_ACCOUNT, MOOV_ACCOUNT)
            accounts.add_grant(session, ada, account)
        admin = httpx.Client(
            base_url=base + "/admin/v1", auth=("root", "root's secret"), timeout=WAIT_S
        )
        with admin:
            assert admin.put("/users/ada/password", json={"password": "pw"}).status_code == 204
            assert admin.get("/credentials").status_code == 200
        moov = f"{base}/accounts/{MOOV_ACCOUNT}/images"
        assert httpx.get(moov, headers=_basic("ada", "pw"), timeout=WAIT_S).status_code == 200
        assert httpx.get(moov, headers=_basic("ada", "wrong"), timeout=WAIT_S).status_code == 401
        assert httpx.get(moov, headers=_basic("nobody", "pw"), timeout=WAIT_S).status_code == 401
        cyclos = {**_basic("ada", "pw"), "Content-Type": "application/json"}
        assert (
            httpx.get(
                f"{base}/api/auth", headers=_basic("ada", "wrong"), timeout=WAIT_S
            ).status_code
            == 401
        )
        by_email = {**_basic("ada@example.com", "other"), "Principal-Type": "email"}
        assert httpx.get(f"{base}/api/auth", headers=by_email, timeout=WAIT_S).status_code == 401
        accounts.forget_verified_passwords()
        assert httpx.post(
            f"{base}/api/auth/session", headers=cyclos, content="{}", timeout=WAIT_S
        ).is_success
    assert len(hashes.runs) >= 8  # startup, password change, and each check above
    assert hashes.inside() == []


def test_no_password_is_hashed_inside_a_transaction_by_the_cli(
    hashes: Hashes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("DARKROOM_"):
            monkeypatch.delenv(name)
    data = ["--data-dir", str(tmp_path / "cli-data")]
    runner = CliRunner()
    made = runner.invoke(cli, [*data, "users", "create", "ada", "--password", "pw"])
    assert made.exit_code == 0, made.output
    changed = runner.invoke(cli, [*data, "users", "password", "ada"], input="new pw\n")
    assert changed.exit_code == 0, changed.output
    admin = runner.invoke(
        cli, [*data, "users", "create", "root", "--password", "pw", "--role", Role.ADMIN.value]
    )
    assert admin.exit_code == 0, admin.output
    assert len(hashes.runs) == 3
    assert hashes.inside() == []
