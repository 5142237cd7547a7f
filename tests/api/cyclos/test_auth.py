"""Authentication (spec §2) over real HTTP, as the generated client sends it (``client.py``):
Basic, Session-Token and Access-Client-Token, alone and together, sessions with their idle
timeout, access-client activation, and the 401 codes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from darkroom.clock import utcnow
from darkroom.core import accounts, logins
from darkroom.core.accounts import CredentialKind
from darkroom.db.models import Credential
from tests.api.cyclos.client import CyclosClient, basic
from tests.api.cyclos.conftest import PASSWORD, World, add_user, jpeg, uploaded


def _login(world: World, name: str = "alice", **options: object) -> str:
    answer = world.user(name).login(**options)  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["sessionToken"]
    return token


def _age_sessions(world: World, by: timedelta) -> None:
    """Pretend every session was last used ``by`` ago."""
    with world.rt.transaction() as session:
        session.execute(
            update(Credential)
            .where(Credential.kind == CredentialKind.SESSION)
            .values(last_used_at=utcnow() - by)
        )


def _access_client(world: World, name: str = "alice") -> str:
    return logins.issue_access_client(world.rt, accounts.principal_named(world.rt, name).id).token


def _activation_code(world: World, name: str = "alice") -> str:
    user = accounts.principal_named(world.rt, name)
    return logins.issue_activation_code(world.rt, user.id).token


# --- Basic ---------------------------------------------------------------------------------


def test_basic_with_right_password_identifies_the_user(world: World) -> None:
    answer = world.user("alice").list_user_images("self")
    assert answer.status_code == 200


def test_basic_with_wrong_password_answers_401_login(world: World) -> None:
    client = CyclosClient(world.api, username="alice", password="wrong")
    answer = client.list_user_images("alice")
    assert answer.status_code == 401
    assert answer.json() == {"code": "login"}


def test_basic_with_wrong_password_on_unsecured_operation_answers_401_login(
    world: World,
) -> None:
    client = world.guest(default_headers={"Authorization": basic("alice", "wrong")})
    assert client.view_image("1").json() == {"code": "login"}


def test_empty_basic_alone_is_a_guest(world: World) -> None:
    image_id = uploaded(world)
    answer = world.guest().list_user_images("alice")  # sends Authorization: Basic Og==
    assert answer.status_code == 200
    assert [image["id"] for image in answer.json()] == [image_id]


def test_empty_basic_on_an_operation_needing_a_user_answers_401_missing_authorization(
    world: World,
) -> None:
    answer = world.guest().upload_user_image("self", jpeg())
    assert answer.json() == {"code": "missingAuthorization"}


def test_principal_type_email_logs_in_by_email(world: World) -> None:
    add_user(world.rt, "carol", email="carol@example.com")
    client = CyclosClient(world.api, username="carol@example.com", password=PASSWORD)
    answer = client.call("GET", "/auth", headers={"Principal-Type": "email"}, secured=("basic",))
    assert answer.json()["user"]["shortDisplay"] == "carol"
    assert answer.json()["principalType"]["internalName"] == "email"


def test_unknown_principal_type_answers_401_login(world: World) -> None:
    answer = world.user("alice").call(
        "GET", "/alice/images", headers={"Principal-Type": "fingerprint"}
    )
    assert answer.json() == {"code": "login"}


# --- sessions ------------------------------------------------------------------------------


def test_login_answers_200_with_full_auth_and_session_token(world: World) -> None:
    answer = world.user("alice").login()
    assert answer.status_code == 200
    body = answer.json()
    assert body["sessionToken"]
    assert body["user"]["id"] == str(world.ids["alice"])
    assert body["user"]["display"] == "alice"
    assert body["role"] == "member"
    assert body["principal"] == "alice"
    assert {"configuration", "permissions", "language", "principalType"} <= set(body)


def test_login_with_fields_session_token_answers_only_the_token(world: World) -> None:
    body = world.user("alice").login(fields=["sessionToken"]).json()
    assert list(body) == ["sessionToken"]


def test_login_with_cookie_true_is_accepted(world: World) -> None:
    assert world.user("alice").login(cookie=True).status_code == 200


def test_login_as_guest_answers_401_missing_authorization(world: World) -> None:
    assert world.guest().login().json() == {"code": "missingAuthorization"}


def test_login_with_wrong_password_answers_401_login(world: World) -> None:
    answer = CyclosClient(world.api, username="alice", password="nope").login()
    assert answer.json() == {"code": "login"}


def test_login_with_access_client_opens_a_session(world: World) -> None:
    client = world.guest(access_client_token=_access_client(world))
    token = client.login().json()["sessionToken"]
    assert world.guest(session_token=token).list_user_images("self").status_code == 200


@pytest.mark.parametrize("value", ["abc", "0", "-5"])
def test_login_with_bad_timeout_answers_422_data_conversion(world: World, value: str) -> None:
    answer = world.user("alice").call("POST", "/auth/session", query=[("timeoutInSeconds", value)])
    assert answer.json() == {"code": "dataConversion", "value": value}


def test_session_token_with_empty_basic_identifies_the_user(world: World) -> None:
    client = world.guest(session_token=_login(world))
    answer = client.upload_user_image("self", jpeg())  # Basic Og== plus Session-Token
    assert answer.status_code == 201


def test_session_token_as_default_header_works_on_unsecured_operations(world: World) -> None:
    image_id = uploaded(world)
    token = _login(world)
    client = world.guest(default_headers={"Session-Token": token})
    assert client.delete_image(image_id).status_code == 204


def test_logout_answers_200_and_the_token_then_answers_401_logged_out(world: World) -> None:
    client = world.guest(session_token=_login(world))
    assert client.logout().status_code == 200
    answer = client.list_user_images("self")
    assert answer.status_code == 401
    assert answer.json() == {"code": "loggedOut"}


def test_logout_without_session_token_answers_401_missing_authorization(world: World) -> None:
    assert world.guest().logout().json() == {"code": "missingAuthorization"}


def test_unknown_session_token_answers_401_logged_out(world: World) -> None:
    answer = world.guest(session_token="made-up").list_user_images("alice")
    assert answer.json() == {"code": "loggedOut"}


def test_session_idle_for_30_minutes_answers_401_logged_out(world: World) -> None:
    client = world.guest(session_token=_login(world))
    _age_sessions(world, timedelta(minutes=30, seconds=1))
    assert client.list_user_images("self").json() == {"code": "loggedOut"}


def test_session_in_use_slides_its_idle_timeout(world: World) -> None:
    client = world.guest(session_token=_login(world))
    _age_sessions(world, timedelta(minutes=20))
    assert client.list_user_images("self").status_code == 200
    _age_sessions(world, timedelta(minutes=20))  # 40 minutes in all, 20 since the last use
    assert client.list_user_images("self").status_code == 200


def test_login_with_short_timeout_expires_after_it(world: World) -> None:
    client = world.guest(session_token=_login(world, timeout_in_seconds=60))
    _age_sessions(world, timedelta(seconds=61))
    assert client.list_user_images("self").json() == {"code": "loggedOut"}


@pytest.mark.parametrize("seconds", [7200, 2**62])
def test_login_with_timeout_over_30_minutes_keeps_30_minutes(world: World, seconds: int) -> None:
    _login(world, timeout_in_seconds=seconds)
    with world.rt.transaction() as session:
        stored = session.scalar(
            select(Credential.idle_timeout_s).where(Credential.kind == CredentialKind.SESSION)
        )
    assert stored == 30 * 60


# --- access clients ------------------------------------------------------------------------


def test_access_client_token_with_empty_basic_identifies_the_user(world: World) -> None:
    client = world.guest(access_client_token=_access_client(world))
    assert client.upload_user_image("self", jpeg()).status_code == 201


def test_unknown_access_client_token_answers_401_invalid_access_client(world: World) -> None:
    answer = world.guest(access_client_token="made-up").list_user_images("alice")
    assert answer.json() == {"code": "invalidAccessClient"}


def test_all_three_schemes_naming_the_same_user_are_accepted(world: World) -> None:
    client = world.user("alice")
    client.session_token = _login(world)
    client.access_client_token = _access_client(world)
    assert client.upload_user_image("self", jpeg()).status_code == 201


def test_schemes_naming_different_users_answer_401_login(world: World) -> None:
    client = world.user("alice")
    client.session_token = _login(world, "bob")
    assert client.list_user_images("self").json() == {"code": "login"}


def test_activate_with_code_answers_a_token_usable_after_the_prefix(world: World) -> None:
    answer = world.user("alice").activate(_activation_code(world), prefix="app1-")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"token", "accessClient", "accessClientType"}
    client = world.guest(access_client_token="app1-" + body["token"])
    assert client.upload_user_image("self", jpeg()).status_code == 201


def test_activate_with_a_used_code_answers_404(world: World) -> None:
    code = _activation_code(world)
    world.user("alice").activate(code)
    answer = world.user("alice").activate(code)
    assert answer.status_code == 404
    assert answer.json()["entityType"] == "accessClient"


def test_activate_with_another_users_code_answers_404(world: World) -> None:
    assert world.user("bob").activate(_activation_code(world, "alice")).status_code == 404


def test_activate_as_guest_answers_401_missing_authorization(world: World) -> None:
    answer = world.guest().activate(_activation_code(world))
    assert answer.json() == {"code": "missingAuthorization"}


def test_activate_without_code_answers_422_missing_parameter(world: World) -> None:
    answer = world.user("alice").call("POST", "/clients/activate")
    assert answer.json() == {"code": "missingParameter", "name": "code"}


def test_disconnected_access_client_answers_401_invalid_access_client(world: World) -> None:
    client = world.guest(access_client_token=_access_client(world))
    assert client.disconnect_current_client().status_code == 204
    assert client.list_user_images("self").json() == {"code": "invalidAccessClient"}


def test_auth_as_access_client_names_the_access_client(world: World) -> None:
    token = _access_client(world)
    client = world.guest(default_headers={"Access-Client-Token": token})
    assert client.get_current_auth().json()["accessClient"]["name"] == "access client"


# --- GET /auth -----------------------------------------------------------------------------


def test_current_auth_as_guest_answers_200_without_user(world: World) -> None:
    answer = world.guest().get_current_auth()
    assert answer.status_code == 200
    assert "user" not in answer.json()
    assert answer.json()["configuration"] == {"id": "1", "version": 0}


@pytest.mark.parametrize(
    ("name", "role", "admin"),
    [("alice", "member", False), ("boss", "broker", False), ("root", "administrator", True)],
)
def test_current_auth_names_the_role(world: World, name: str, role: str, admin: bool) -> None:
    body = world.user(name).get_current_auth().json()
    assert (body["role"], body["systemAdministrator"]) == (role, admin)


def test_current_auth_user_image_is_the_first_profile_image(world: World) -> None:
    first = uploaded(world, seed=1)
    uploaded(world, seed=2)
    body = world.user("alice").get_current_auth(fields=["user.image.id"]).json()
    assert body == {"user": {"image": {"id": first}}}
