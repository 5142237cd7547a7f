"""``/v1`` sessions: logging in sets an HttpOnly SameSite=Strict session cookie and a CSRF
cookie; unsafe methods with the cookie need the CSRF header; bearer tokens need none."""

from __future__ import annotations

import httpx

from tests.api.v1.conftest import PASSWORD, Client, Users, error_of, log_in


def _set_cookies(answer: httpx.Response) -> dict[str, str]:
    found = {}
    for header in answer.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0]
        found[name] = header
    return found


def test_login_answers_201_with_the_user_and_a_csrf_token(anonymous: httpx.Client) -> None:
    answer = anonymous.post("/v1/session", json={"username": "alice", "password": PASSWORD})
    assert answer.status_code == 201
    body = answer.json()
    assert body["user"]["username"] == "alice"
    assert body["user"]["role"] == "member"
    assert set(body["user"]) == {"id", "username", "display_name", "role"}
    assert len(body["csrf_token"]) >= 32


def test_login_sets_an_httponly_samesite_strict_session_cookie(anonymous: httpx.Client) -> None:
    answer = anonymous.post("/v1/session", json={"username": "alice", "password": PASSWORD})
    cookie = _set_cookies(answer)["darkroom_session"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie  # plain http here; https gets Secure


def test_login_sets_a_readable_csrf_cookie_holding_the_token(anonymous: httpx.Client) -> None:
    answer = anonymous.post("/v1/session", json={"username": "alice", "password": PASSWORD})
    cookie = _set_cookies(answer)["darkroom_csrf"]
    assert "httponly" not in cookie.lower()
    assert "samesite=strict" in cookie.lower()
    assert anonymous.cookies["darkroom_csrf"] == answer.json()["csrf_token"]


def test_a_wrong_password_is_401_in_the_error_shape(anonymous: httpx.Client) -> None:
    answer = anonymous.post("/v1/session", json={"username": "alice", "password": "nope"})
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "unauthorized"
    assert "darkroom_session" not in answer.headers.get("set-cookie", "")


def test_an_unknown_user_is_refused_like_a_wrong_password(anonymous: httpx.Client) -> None:
    answer = anonymous.post("/v1/session", json={"username": "nobody", "password": PASSWORD})
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "unauthorized"


def test_repeated_failed_logins_are_throttled_with_retry_after(anonymous: httpx.Client) -> None:
    statuses = [
        anonymous.post("/v1/session", json={"username": "alice", "password": "wrong"})
        for _ in range(8)
    ]
    limited = [answer for answer in statuses if answer.status_code == 429]
    assert limited, [answer.status_code for answer in statuses]
    assert error_of(limited[0])["code"] == "rate_limited"
    assert int(limited[0].headers["retry-after"]) >= 1


def test_login_without_a_password_is_400_naming_the_field(anonymous: httpx.Client) -> None:
    answer = anonymous.post("/v1/session", json={"username": "alice"})
    assert answer.status_code == 400
    assert error_of(answer) == {
        "code": "invalid",
        "message": "password is required",
        "field": "password",
    }


def test_me_answers_the_logged_in_user(alice: Client, users: Users) -> None:
    answer = alice.get("/v1/me")
    assert answer.status_code == 200
    assert answer.json() == {
        "id": users.ids["alice"],
        "username": "alice",
        "display_name": "alice",
        "role": "member",
    }


def test_me_without_credentials_is_401(anonymous: httpx.Client) -> None:
    answer = anonymous.get("/v1/me")
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "unauthorized"
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_me_with_a_made_up_session_cookie_is_401(base_url: str) -> None:
    with httpx.Client(
        timeout=30, base_url=base_url, cookies={"darkroom_session": "made-up"}
    ) as http:
        answer = http.get("/v1/me")
    assert answer.status_code == 401


def test_an_ended_sessions_401_clears_its_cookies(base_url: str) -> None:
    with httpx.Client(timeout=30, base_url=base_url, cookies={"darkroom_session": "ended"}) as http:
        answer = http.get("/v1/spaces")
    cleared = _set_cookies(answer)
    assert answer.status_code == 401
    assert "max-age=0" in cleared["darkroom_session"].lower()
    assert "max-age=0" in cleared["darkroom_csrf"].lower()


def test_an_ended_sessions_cookie_sent_again_and_again_does_not_hold_up_login(
    base_url: str,
) -> None:
    with httpx.Client(timeout=30, base_url=base_url) as http:
        for _ in range(10):
            http.get("/v1/me", headers={"Cookie": "darkroom_session=ended"})
        answer = http.post("/v1/session", json={"username": "alice", "password": PASSWORD})
    assert answer.status_code == 201


def test_a_bearer_token_authenticates_a_script(alice_script: Client) -> None:
    answer = alice_script.get("/v1/me")
    assert answer.status_code == 200
    assert answer.json()["username"] == "alice"


def test_a_wrong_bearer_token_is_401(anonymous: httpx.Client) -> None:
    answer = anonymous.get("/v1/me", headers={"Authorization": "Bearer drk_wrong"})
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "unauthorized"


def test_an_unsafe_method_with_the_cookie_but_no_csrf_header_is_403_csrf(alice: Client) -> None:
    answer = alice.http.post(f"/v1/spaces/{alice.space}/albums", json={"name": "x"})
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "csrf"


def test_an_unsafe_method_with_a_wrong_csrf_token_is_403_csrf(alice: Client) -> None:
    answer = alice.http.post(
        f"/v1/spaces/{alice.space}/albums",
        json={"name": "x"},
        headers={"X-CSRF-Token": "not-the-token"},
    )
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "csrf"


def test_another_sessions_csrf_token_is_refused(alice: Client, base_url: str, users: Users) -> None:
    other = log_in(base_url, users, "alice")
    assert other.csrf is not None and other.csrf != alice.csrf
    answer = alice.http.post(
        f"/v1/spaces/{alice.space}/albums", json={"name": "x"}, headers={"X-CSRF-Token": other.csrf}
    )
    other.http.close()
    assert answer.status_code == 403


def test_the_right_csrf_token_lets_the_cookie_session_write(alice: Client) -> None:
    answer = alice.post(f"/v1/spaces/{alice.space}/albums", json={"name": "x"})
    assert answer.status_code == 201


def test_a_bearer_token_writes_without_a_csrf_header(alice_script: Client) -> None:
    answer = alice_script.post(f"/v1/spaces/{alice_script.space}/albums", json={"name": "x"})
    assert answer.status_code == 201


def test_logout_needs_the_csrf_header(alice: Client) -> None:
    answer = alice.http.delete("/v1/session")
    assert answer.status_code == 403
    assert alice.get("/v1/me").status_code == 200


def test_logout_ends_the_session_and_clears_the_cookies(alice: Client, base_url: str) -> None:
    cookie = alice.http.cookies["darkroom_session"]
    answer = alice.delete("/v1/session")
    assert answer.status_code == 204
    assert 'darkroom_session=""' in answer.headers.get("set-cookie", "")
    with httpx.Client(
        timeout=30, base_url=base_url, cookies={"darkroom_session": cookie}
    ) as replay:
        assert replay.get("/v1/me").status_code == 401


def test_a_session_cookie_reads_without_csrf(alice: Client) -> None:
    assert alice.http.get("/v1/spaces").status_code == 200
