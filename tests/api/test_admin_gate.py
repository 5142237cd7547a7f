"""The admin API checks an administrator's credentials before it reads any byte of a body."""

from __future__ import annotations

import base64

import httpx

from darkroom.core import accounts
from darkroom.core.access import Role
from darkroom.core.runtime import Runtime
from tests.unsent_body import answer_without_body

SHARE = "/admin/v1/images/procore:1/share"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _member(runtime: Runtime) -> str:
    hashed = accounts.HashedPassword.of("member-password-1")
    with runtime.transaction() as session:
        accounts.create_principal(session, "mia", password=hashed, role=Role.MEMBER)
    return _basic("mia", "member-password-1")


def test_admin_request_without_credentials_is_refused_before_its_body_is_read(
    server: str,
) -> None:
    answer = answer_without_body(server, "POST", SHARE, {"Content-Type": "application/json"})
    assert answer.status_code == 401
    assert "error" in answer.json()


def test_admin_request_of_a_non_admin_is_refused_before_its_body_is_read(
    server: str, api_runtime: Runtime
) -> None:
    headers = {"Content-Type": "application/json", "Authorization": _member(api_runtime)}
    answer = answer_without_body(server, "POST", SHARE, headers)
    assert answer.status_code == 403
    assert "error" in answer.json()


def test_admin_request_of_an_admin_gets_through_the_gate(server: str, api_runtime: Runtime) -> None:
    hashed = accounts.HashedPassword.of("admin-password-1")
    with api_runtime.transaction() as session:
        accounts.create_principal(session, "root", password=hashed, role=Role.ADMIN)
    answer = httpx.get(
        f"{server}/admin/v1/credentials",
        headers={"Authorization": _basic("root", "admin-password-1")},
    )
    assert answer.status_code == 200
