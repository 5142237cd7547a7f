"""Accounts: passwords and tokens are stored hashed, checked, expired and revoked."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from darkroom.clock import utcnow
from darkroom.core import accounts
from darkroom.core.access import Actor, Role
from darkroom.core.accounts import CredentialKind
from darkroom.core.runtime import Runtime
from darkroom.db.models import Credential, Principal
from darkroom.errors import Conflict, Invalid, Unauthorized

PASSWORD = "correct horse battery staple"


def _user(runtime: Runtime, name: str = "ada", role: Role = Role.MEMBER) -> Principal:
    with runtime.transaction() as session:
        return accounts.create_principal(session, name, password=PASSWORD, role=role)


def _login(runtime: Runtime, name: str, password: str) -> Actor:
    return accounts.password_actor(runtime, name, password)


def _issue(runtime: Runtime, principal: Principal, **options: Any) -> str:
    with runtime.transaction() as session:
        return accounts.issue_token(session, principal, **options).token


def _use(
    runtime: Runtime,
    token: str,
    kind: CredentialKind = CredentialKind.TOKEN,
    now: datetime | None = None,
) -> Actor:
    return accounts.token_actor(runtime, token, kind, now=now)


def test_verify_password_with_its_own_hash_is_true() -> None:
    assert accounts.verify_password(PASSWORD, accounts.hash_password(PASSWORD))


def test_verify_password_with_other_password_is_false() -> None:
    assert not accounts.verify_password("wrong", accounts.hash_password(PASSWORD))


@pytest.mark.parametrize("stored", ["", "sha256", "md5$1$2$3$00$00", "scrypt$x$8$1$00$00"])
def test_verify_password_against_malformed_hash_is_false(stored: str) -> None:
    assert not accounts.verify_password(PASSWORD, stored)


def test_hash_password_is_salted_and_does_not_contain_the_password() -> None:
    first, second = accounts.hash_password(PASSWORD), accounts.hash_password(PASSWORD)
    assert first != second
    assert PASSWORD not in first


def test_create_principal_stores_a_hash_not_the_password(runtime: Runtime) -> None:
    user = _user(runtime)
    with runtime.transaction() as session:
        stored = session.scalars(
            select(Credential.secret_hash).where(Credential.principal_id == user.id)
        ).all()
    assert len(stored) == 1
    assert stored[0] != PASSWORD and PASSWORD not in stored[0]
    assert accounts.verify_password(PASSWORD, stored[0])


def test_create_principal_with_taken_name_raises_conflict(runtime: Runtime) -> None:
    _user(runtime)
    with pytest.raises(Conflict), runtime.transaction() as session:
        accounts.create_principal(session, "ada", password="other")


@pytest.mark.parametrize("name", ["", " ada", "x" * 256])
def test_create_principal_with_bad_name_raises_invalid(runtime: Runtime, name: str) -> None:
    with pytest.raises(Invalid), runtime.transaction() as session:
        accounts.create_principal(session, name)


@pytest.mark.parametrize("role", [Role.GUEST, "guest", "owner"])
def test_create_principal_with_role_no_user_can_have_raises_invalid(
    runtime: Runtime, role: Role
) -> None:
    with pytest.raises(Invalid), runtime.transaction() as session:
        accounts.create_principal(session, "ada", role=role)


def test_authenticate_password_with_right_password_returns_the_principal(
    runtime: Runtime,
) -> None:
    user = _user(runtime)
    assert _login(runtime, "ada", PASSWORD).principal_id == user.id


@pytest.mark.parametrize(
    ("name", "password"),
    [("nobody", PASSWORD), ("ada", "wrong"), ("ada", "")],
    ids=["unknown-user", "wrong-password", "empty-password"],
)
def test_authenticate_password_with_bad_credentials_raises_login_unauthorized(
    runtime: Runtime, name: str, password: str
) -> None:
    _user(runtime)
    with pytest.raises(Unauthorized) as raised:
        _login(runtime, name, password)
    assert raised.value.reason == "login"


def test_authenticate_password_of_inactive_user_raises_login_unauthorized(
    runtime: Runtime,
) -> None:
    user = _user(runtime)
    with runtime.transaction() as session:
        session.execute(update(Principal).where(Principal.id == user.id).values(active=False))
    with pytest.raises(Unauthorized) as raised:
        _login(runtime, "ada", PASSWORD)
    assert raised.value.reason == "login"


def test_authenticate_password_of_unknown_user_hashes_as_often_as_for_a_known_one(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    _user(runtime)
    with pytest.raises(Unauthorized):
        _login(runtime, "nobody", "wrong")  # lets one-time setup happen before counting
    calls: list[str] = []
    real = hashlib.scrypt

    def counting(password: bytes, **kwargs: Any) -> bytes:
        calls.append("scrypt")
        return real(password, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    for name in ("ada", "nobody"):
        with pytest.raises(Unauthorized):
            _login(runtime, name, "wrong")
    assert len(calls) == 2  # one scrypt each: timing does not tell which names exist


def test_issue_token_stores_no_column_containing_the_plaintext(runtime: Runtime) -> None:
    user = _user(runtime)
    token = _issue(runtime, user, label="ci")
    secret = token.removeprefix("drk_")
    with runtime.transaction() as session:
        rows = session.execute(select(Credential.__table__)).all()
    assert len(rows) == 2  # the password and the token
    for row in rows:
        for value in row:
            assert secret not in str(value)


def test_authenticate_token_returns_its_principal(runtime: Runtime) -> None:
    user = _user(runtime)
    assert _use(runtime, _issue(runtime, user)).principal_id == user.id


def test_authenticate_token_of_another_kind_raises_unauthorized(runtime: Runtime) -> None:
    token = _issue(runtime, _user(runtime), kind=CredentialKind.SESSION)
    with pytest.raises(Unauthorized) as raised:
        _use(runtime, token, CredentialKind.TOKEN)
    assert raised.value.reason == "invalid"


def test_authenticate_token_after_revoke_raises_unauthorized(runtime: Runtime) -> None:
    token = _issue(runtime, _user(runtime))
    with runtime.transaction() as session:
        assert accounts.revoke_token(session, token, CredentialKind.TOKEN)
    with pytest.raises(Unauthorized):
        _use(runtime, token)


def test_revoke_token_twice_returns_false_the_second_time(runtime: Runtime) -> None:
    token = _issue(runtime, _user(runtime))
    with runtime.transaction() as session:
        first = accounts.revoke_token(session, token, CredentialKind.TOKEN)
        second = accounts.revoke_token(session, token, CredentialKind.TOKEN)
    assert (first, second) == (True, False)


def test_authenticate_token_past_its_ttl_raises_unauthorized(runtime: Runtime) -> None:
    token = _issue(runtime, _user(runtime), ttl=timedelta(hours=1))
    assert _use(runtime, token, now=utcnow() + timedelta(minutes=59))
    with pytest.raises(Unauthorized):
        _use(runtime, token, now=utcnow() + timedelta(minutes=61))


def test_authenticate_token_of_inactive_user_raises_unauthorized(runtime: Runtime) -> None:
    user = _user(runtime)
    token = _issue(runtime, user)
    with runtime.transaction() as session:
        session.execute(update(Principal).where(Principal.id == user.id).values(active=False))
    with pytest.raises(Unauthorized):
        _use(runtime, token)


def test_session_unused_for_its_idle_timeout_expires(runtime: Runtime) -> None:
    token = _issue(
        runtime, _user(runtime), kind=CredentialKind.SESSION, idle_timeout=timedelta(minutes=30)
    )
    with pytest.raises(Unauthorized):
        _use(runtime, token, CredentialKind.SESSION, now=utcnow() + timedelta(minutes=31))


def test_session_used_within_its_idle_timeout_slides_the_timeout(runtime: Runtime) -> None:
    start = utcnow()
    token = _issue(
        runtime, _user(runtime), kind=CredentialKind.SESSION, idle_timeout=timedelta(minutes=30)
    )
    for minutes in (20, 40, 60):  # each use is within 30 minutes of the one before
        _use(runtime, token, CredentialKind.SESSION, now=start + timedelta(minutes=minutes))
    with pytest.raises(Unauthorized):
        _use(runtime, token, CredentialKind.SESSION, now=start + timedelta(minutes=91))


def test_session_use_finishing_late_does_not_move_the_idle_timer_back(runtime: Runtime) -> None:
    start = utcnow()
    token = _issue(
        runtime, _user(runtime), kind=CredentialKind.SESSION, idle_timeout=timedelta(minutes=30)
    )
    _use(runtime, token, CredentialKind.SESSION, now=start + timedelta(minutes=20))
    _use(runtime, token, CredentialKind.SESSION, now=start + timedelta(minutes=10))
    assert _use(runtime, token, CredentialKind.SESSION, now=start + timedelta(minutes=45))


def test_issue_token_of_kind_password_raises_invalid(runtime: Runtime) -> None:
    user = _user(runtime)
    with pytest.raises(Invalid), runtime.transaction() as session:
        accounts.issue_token(session, user, CredentialKind.PASSWORD)


def test_ensure_admin_for_new_name_creates_an_admin_who_can_log_in(runtime: Runtime) -> None:
    with runtime.transaction() as session:
        accounts.ensure_admin(session, "root", "s3cret")
    assert _login(runtime, "root", "s3cret").role == Role.ADMIN


def test_ensure_admin_again_with_new_password_replaces_password_and_role(
    runtime: Runtime,
) -> None:
    user = _user(runtime, "root", Role.MEMBER)
    with runtime.transaction() as session:
        session.execute(update(Principal).where(Principal.id == user.id).values(active=False))
        accounts.ensure_admin(session, "root", "new password")
    assert _login(runtime, "root", "new password").role == Role.ADMIN
    with pytest.raises(Unauthorized):
        _login(runtime, "root", PASSWORD)
    with runtime.transaction() as session:
        passwords = session.scalars(
            select(Credential).where(
                Credential.principal_id == user.id, Credential.kind == CredentialKind.PASSWORD
            )
        ).all()
    assert len(passwords) == 1


def test_verify_password_second_success_skips_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = accounts.hash_password("right")
    assert accounts.verify_password("right", stored)
    monkeypatch.setattr(accounts.hashlib, "scrypt", _fail_if_called)
    assert accounts.verify_password("right", stored)


def test_verify_password_failures_are_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = accounts.hash_password("right")
    assert not accounts.verify_password("wrong", stored)
    calls: list[str] = []
    real = accounts.hashlib.scrypt

    def counting(*args: object, **kwargs: object) -> bytes:
        calls.append("scrypt")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(accounts.hashlib, "scrypt", counting)
    assert not accounts.verify_password("wrong", stored)
    assert calls == ["scrypt"]


def test_verify_password_after_password_change_checks_new_hash() -> None:
    old, new = accounts.hash_password("first"), accounts.hash_password("second")
    assert accounts.verify_password("first", old)
    assert not accounts.verify_password("first", new)


def _fail_if_called(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("scrypt ran for a password verified moments ago")


def _last_used(runtime: Runtime, token: str) -> datetime | None:
    with runtime.reading() as session:
        found = accounts.find_token(session, token, CredentialKind.SESSION)
        assert found is not None
        return found.last_used_at


def test_session_use_within_a_minute_of_the_last_write_writes_nothing(runtime: Runtime) -> None:
    token = _issue(
        runtime, _user(runtime), kind=CredentialKind.SESSION, idle_timeout=timedelta(minutes=30)
    )
    issued = _last_used(runtime, token)
    assert issued is not None
    _use(runtime, token, CredentialKind.SESSION, now=issued + timedelta(seconds=59))
    assert _last_used(runtime, token) == issued
    later = issued + timedelta(seconds=61)
    _use(runtime, token, CredentialKind.SESSION, now=later)
    assert _last_used(runtime, token) == later
