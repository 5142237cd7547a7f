"""Credentials with a life cycle, and failed logins throttled, over real HTTP on every door.

One server speaks all doors. ``ada`` (a member) holds a password, a Procore token, a Cyclos
session and a Cyclos access client, and may act in a Moov account and a Procore company; ``root``
is an administrator who manages them through ``/admin/v1``. Requests that should count as coming
from different clients are sent from different loopback addresses (127.0.0.N).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from darkroom.api import vocabulary
from darkroom.api.vocabulary import SEEDS
from darkroom.clock import utcnow
from darkroom.core import accounts, logins, spaces
from darkroom.core.access import Role
from darkroom.core.runtime import Runtime
from darkroom.db.models import Credential

PASSWORD, ROOT_PASSWORD = "ada's secret", "root's secret"
MOOV_ACCOUNT = "3a4ed2d9-03e1-4b0e-b45f-2a9ca72f8adb"
COMPANY, PROJECT = 1, 10
FREE_FAILURES = 5  # the default DARKROOM_LOGIN_FREE_FAILURES


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class World:
    base: str
    rt: Runtime
    token: str  # ada's Procore token
    session: str  # ada's Cyclos session
    access_client: str  # ada's Cyclos access client

    def get(
        self, path: str, headers: dict[str, str], *, source: str = "127.0.0.1"
    ) -> httpx.Response:
        transport = httpx.HTTPTransport(local_address=source)
        with httpx.Client(base_url=self.base, transport=transport, timeout=30) as client:
            return client.get(path, headers={"Accept": "application/json", **headers})

    def moov(self, password: str = PASSWORD, user: str = "ada", **kw: str) -> httpx.Response:
        return self.get(
            f"/accounts/{MOOV_ACCOUNT}/images", {"Authorization": basic(user, password)}, **kw
        )

    def procore(self, token: str | None = None, **kw: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}", "Procore-Company-Id": "1"}
        return self.get(f"/rest/v1.0/images?project_id={PROJECT}", headers, **kw)

    def cyclos(self, headers: dict[str, str], **kw: str) -> httpx.Response:
        return self.get("/api/auth", headers, **kw)

    def cyclos_basic(
        self, password: str = PASSWORD, user: str = "ada", **kw: str
    ) -> httpx.Response:
        return self.cyclos({"Authorization": basic(user, password)}, **kw)

    def admin(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base + "/admin/v1", auth=("root", ROOT_PASSWORD), timeout=30
        )

    def ada_is_refused_everywhere(self) -> dict[str, int]:
        return {
            "moov": self.moov().status_code,
            "procore": self.procore().status_code,
            "cyclos basic": self.cyclos_basic().status_code,
            "cyclos session": self.cyclos({"Session-Token": self.session}).status_code,
            "cyclos access client": self.cyclos(
                {"Access-Client-Token": self.access_client}
            ).status_code,
        }


EVERY_DOOR_REFUSES = {
    "moov": 401,
    "procore": 401,
    "cyclos basic": 401,
    "cyclos session": 401,
    "cyclos access client": 401,
}
EVERY_DOOR_ADMITS = dict.fromkeys(EVERY_DOOR_REFUSES, 200)


@pytest.fixture
def world(server: str, api_runtime: Runtime) -> World:
    rt = api_runtime
    with rt.transaction() as session:
        ada = accounts.create_principal(session, "ada", password=PASSWORD)
        accounts.create_principal(session, "root", password=ROOT_PASSWORD, role=Role.ADMIN)
        accounts.create_principal(session, "bob", password="bob's secret")
        moov = spaces.ensure(session, vocabulary.MOOV_ACCOUNT, MOOV_ACCOUNT)
        company = spaces.ensure(session, vocabulary.PROCORE_COMPANY, str(COMPANY), seeds=SEEDS)
        spaces.ensure(session, vocabulary.PROCORE_PROJECT, str(PROJECT), parent=company)
        accounts.add_grant(session, ada, moov)
        accounts.add_grant(session, ada, company)
        token = accounts.issue_token(session, ada, label="ci").token
        ada_id = ada.id
    return World(
        base=server,
        rt=rt,
        token=token,
        session=logins.open_session(rt, ada_id).token,
        access_client=logins.issue_access_client(rt, ada_id, label="printer").token,
    )


def _credential_id(world: World, kind: str) -> int:
    with world.admin() as admin:
        listed = admin.get("/credentials", params={"user": "ada", "kind": kind}).json()
    assert len(listed) == 1, listed
    found: int = listed[0]["id"]
    return found


# --- the life cycle -------------------------------------------------------------------------


def test_every_door_admits_ada_before_anything_is_revoked(world: World) -> None:
    assert world.ada_is_refused_everywhere() == EVERY_DOOR_ADMITS


def test_revoked_token_is_refused_on_every_door(world: World) -> None:
    with world.admin() as admin:
        for kind in ("token", "access-client", "session"):
            revoked = admin.post(f"/credentials/{_credential_id(world, kind)}/revoke")
            assert revoked.status_code == 200, revoked.text
            assert revoked.json()["state"] == "revoked"
    assert world.procore().status_code == 401
    refused = world.cyclos({"Access-Client-Token": world.access_client})
    assert (refused.status_code, refused.json()["code"]) == (401, "invalidAccessClient")
    refused = world.cyclos({"Session-Token": world.session})
    assert (refused.status_code, refused.json()["code"]) == (401, "loggedOut")


def test_credential_listing_never_shows_a_secret(world: World) -> None:
    with world.admin() as admin:
        listed = admin.get("/credentials", params={"user": "ada"})
    assert listed.status_code == 200
    assert {entry["kind"] for entry in listed.json()} == {"token", "session", "access-client"}
    assert set(listed.json()[0]) == {
        "id", "user", "kind", "label", "state", "created", "expires", "lastUsed", "revoked",
    }  # fmt: skip
    for secret in (world.token, world.session, world.access_client, PASSWORD):
        assert secret not in listed.text


def test_credential_listing_is_for_administrators_only(world: World) -> None:
    answer = httpx.get(world.base + "/admin/v1/credentials", auth=("ada", PASSWORD))
    assert answer.status_code == 403


def test_token_created_with_a_lifetime_is_refused_after_it(world: World) -> None:
    with world.admin() as admin:
        made = admin.post("/tokens", json={"user": "ada", "expires_in_seconds": 3600})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert made.json()["credential"]["expires"] is not None
    assert world.procore(token).status_code == 200
    with world.rt.transaction() as session:
        session.execute(
            update(Credential)
            .where(Credential.id == made.json()["credential"]["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert world.procore(token).status_code == 401


def test_deactivated_user_is_refused_everywhere_at_once(world: World) -> None:
    assert world.moov().status_code == 200  # the password is now in the check cache
    with world.admin() as admin:
        answer = admin.put("/users/ada/active", json={"active": False})
    assert answer.json() == {"name": "ada", "active": False}
    assert world.ada_is_refused_everywhere() == EVERY_DOOR_REFUSES


def test_reactivated_user_gets_in_again_but_not_with_old_sessions(world: World) -> None:
    with world.admin() as admin:
        admin.put("/users/ada/active", json={"active": False})
        admin.put("/users/ada/active", json={"active": True})
    assert world.ada_is_refused_everywhere() == {**EVERY_DOOR_ADMITS, "cyclos session": 401}


def test_password_change_ends_sessions(world: World) -> None:
    assert world.cyclos({"Session-Token": world.session}).status_code == 200
    with world.admin() as admin:
        changed = admin.put("/users/ada/password", json={"password": "a new one"})
    assert changed.status_code == 204
    refused = world.cyclos({"Session-Token": world.session})
    assert (refused.status_code, refused.json()["code"]) == (401, "loggedOut")


def test_password_change_is_not_bypassed_by_the_check_cache(world: World) -> None:
    assert world.moov().status_code == 200  # checked once: cached from now on
    assert world.moov().status_code == 200
    with world.admin() as admin:
        admin.put("/users/ada/password", json={"password": "a new one"})
    assert world.moov().status_code == 401
    assert world.cyclos_basic().status_code == 401
    assert world.moov("a new one").status_code == 200


def test_session_ends_after_absolute_lifetime(world: World) -> None:
    # 12 h after it was opened, though used a moment ago (its idle timer is fresh).
    opened = utcnow() - timedelta(hours=12, seconds=1)
    with world.rt.transaction() as session:
        session.execute(
            update(Credential)
            .where(Credential.kind == "session")
            .values(created_at=opened, expires_at=None, last_used_at=utcnow())
        )
    refused = world.cyclos({"Session-Token": world.session})
    assert (refused.status_code, refused.json()["code"]) == (401, "loggedOut")


def test_session_just_under_absolute_lifetime_still_works(world: World) -> None:
    opened = utcnow() - timedelta(hours=11, minutes=59)
    with world.rt.transaction() as session:
        session.execute(
            update(Credential)
            .where(Credential.kind == "session")
            .values(created_at=opened, last_used_at=utcnow())
        )
    assert world.cyclos({"Session-Token": world.session}).status_code == 200


# --- throttling -----------------------------------------------------------------------------


def _fail(world: World, times: int, *, user: str = "ada", source: str = "127.0.0.1") -> list[int]:
    return [world.moov("wrong", user, source=source).status_code for _ in range(times)]


def test_failed_logins_from_one_address_are_throttled_with_429(world: World) -> None:
    assert _fail(world, FREE_FAILURES) == [401] * FREE_FAILURES
    refused = world.moov("wrong")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"


def test_throttled_address_is_refused_for_every_user_name(world: World) -> None:
    for n in range(FREE_FAILURES):
        assert world.moov("wrong", f"nobody-{n}", source="127.0.0.7").status_code == 401
    assert world.cyclos_basic("wrong", "bob", source="127.0.0.7").status_code == 429


def test_failed_logins_for_one_name_are_throttled_on_every_address_that_failed(
    world: World,
) -> None:
    for n in range(FREE_FAILURES):
        assert world.moov("wrong", "bob", source=f"127.0.0.{10 + n}").status_code == 401
    assert world.moov("wrong", "bob", source="127.0.0.10").status_code == 429
    assert world.cyclos_basic("wrong", "bob", source="127.0.0.11").status_code == 429


def test_guessing_a_users_name_elsewhere_does_not_lock_the_user_out(world: World) -> None:
    for n in range(FREE_FAILURES + 1):
        world.moov("wrong", "ada", source=f"127.0.0.{30 + n}")
    assert world.moov("wrong", "ada", source="127.0.0.30").status_code == 429
    assert world.cyclos_basic(source="127.0.0.40").status_code == 200


def test_successful_login_is_not_slowed_by_another_users_failures(world: World) -> None:
    _fail(world, FREE_FAILURES + 1, user="bob", source="127.0.0.2")
    assert world.moov("wrong", "bob", source="127.0.0.2").status_code == 429
    assert world.moov(source="127.0.0.3").status_code == 200
    assert world.cyclos_basic(source="127.0.0.3").status_code == 200


def test_a_verified_password_is_not_slowed_by_its_addresss_failures(world: World) -> None:
    assert world.moov(source="127.0.0.4").status_code == 200
    _fail(world, FREE_FAILURES + 1, user="bob", source="127.0.0.4")
    assert world.moov(source="127.0.0.4").status_code == 200


def test_a_success_from_an_address_does_not_reset_another_users_count(world: World) -> None:
    _fail(world, FREE_FAILURES - 1, user="bob", source="127.0.0.5")
    _fail(world, 1, user="bob", source="127.0.0.6")
    accounts.forget_verified_passwords()  # ada's login below is checked, and counted
    assert world.moov(source="127.0.0.6").status_code == 200
    assert world.moov("wrong", "bob", source="127.0.0.6").status_code == 429


def test_a_valid_token_is_not_refused_from_a_throttled_address(world: World) -> None:
    _fail(world, FREE_FAILURES + 1, user="bob", source="127.0.0.8")
    assert world.procore(source="127.0.0.8").status_code == 200


# --- the 429 of each door -------------------------------------------------------------------


def test_throttled_moov_login_answers_429_in_moov_shape(world: World) -> None:
    _fail(world, FREE_FAILURES)
    refused = world.moov("wrong")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/json"
    assert set(refused.json()) == {"error"} and "failed logins" in refused.json()["error"]
    assert refused.headers["retry-after"] == "1"


def test_throttled_procore_token_answers_429_in_procore_shape(world: World) -> None:
    for _ in range(FREE_FAILURES):
        assert world.procore("drk_wrong").status_code == 401
    refused = world.procore("drk_wrong")
    assert refused.status_code == 429
    assert set(refused.json()) == {"error", "message"}
    assert "failed logins" in refused.json()["message"]
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["x-rate-limit-limit"] == str(FREE_FAILURES)
    assert refused.headers["x-rate-limit-remaining"] == "0"


def test_throttled_cyclos_login_answers_429_in_cyclos_shape(world: World) -> None:
    for _ in range(FREE_FAILURES):
        assert world.cyclos_basic("wrong").status_code == 401
    refused = world.cyclos_basic("wrong")
    assert refused.status_code == 429
    body = refused.json()
    assert (body["kind"], body["exceptionType"]) == ("general", "RateLimited")
    assert "failed logins" in body["exceptionMessage"]
    assert refused.headers["retry-after"] == "1"


def test_throttled_cyclos_session_token_answers_429_in_cyclos_shape(world: World) -> None:
    for _ in range(FREE_FAILURES):
        assert world.cyclos({"Session-Token": "wrong"}).status_code == 401
    refused = world.cyclos({"Session-Token": "wrong"})
    assert (refused.status_code, refused.json()["kind"]) == (429, "general")


def test_throttled_admin_login_answers_429_in_darkroom_shape(world: World) -> None:
    for _ in range(FREE_FAILURES):
        assert (
            httpx.get(world.base + "/admin/v1/credentials", auth=("root", "x")).status_code == 401
        )
    refused = httpx.get(world.base + "/admin/v1/credentials", auth=("root", "x"))
    assert refused.status_code == 429
    assert "failed logins" in refused.json()["error"]
    assert refused.headers["retry-after"] == "1"
