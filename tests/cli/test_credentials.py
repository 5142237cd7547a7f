"""The credential life cycle on the command line: tokens and access clients listed and revoked,
token lifetimes, users deactivated and reactivated, passwords changed (CliRunner, SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from darkroom.clock import utcnow
from darkroom.config import Settings
from darkroom.core import accounts, credentials, logins
from darkroom.core.accounts import CredentialKind
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.errors import Unauthorized
from tests.cli.runner import run as _run


@pytest.fixture
def core(data_dir: Path) -> Iterator[Runtime]:
    """The core on the CLI's data folder, with user ada (password ``pw``)."""
    assert _run(data_dir, "users", "create", "ada", "--password", "pw").exit_code == 0
    rt = open_runtime(Settings(data_dir=data_dir))
    try:
        yield rt
    finally:
        rt.close()


def _token(data_dir: Path, *args: str) -> str:
    made = _run(data_dir, "tokens", "create", "ada", *args)
    assert made.exit_code == 0, made.output
    return made.stdout.strip().splitlines()[-1]


def test_tokens_list_shows_each_token_without_its_secret(data_dir: Path, core: Runtime) -> None:
    token = _token(data_dir, "--label", "ci")
    listed = _run(data_dir, "tokens", "list")
    assert listed.exit_code == 0, listed.output
    assert "ci" in listed.stdout and "ada" in listed.stdout
    assert token not in listed.stdout


def test_tokens_revoke_makes_the_token_fail_at_once(data_dir: Path, core: Runtime) -> None:
    token = _token(data_dir)
    [info] = credentials.list_credentials(core, kinds=credentials.TOKENS)
    revoked = _run(data_dir, "tokens", "revoke", str(info.id))
    assert revoked.exit_code == 0, revoked.output
    assert f"revoked token {info.id} of ada" in revoked.stdout
    with pytest.raises(Unauthorized):
        accounts.token_actor(core, token, CredentialKind.TOKEN)


def test_tokens_revoke_of_an_unknown_id_exits_1(data_dir: Path, core: Runtime) -> None:
    result = _run(data_dir, "tokens", "revoke", "999")
    assert result.exit_code == 1
    assert "credential not found" in result.stderr


def test_tokens_revoke_does_not_revoke_an_access_client(data_dir: Path, core: Runtime) -> None:
    issued = logins.issue_access_client(core, accounts.principal_named(core, "ada").id)
    assert _run(data_dir, "tokens", "revoke", str(issued.login.id)).exit_code == 1
    assert accounts.token_actor(core, issued.token, CredentialKind.ACCESS_CLIENT).name == "ada"


def test_tokens_create_with_expires_sets_the_expiry(data_dir: Path, core: Runtime) -> None:
    token = _token(data_dir, "--expires", "30d")
    [info] = credentials.list_credentials(core, kinds=credentials.TOKENS)
    assert info.expires is not None
    assert timedelta(days=29, hours=23) < info.expires - utcnow() <= timedelta(days=30)
    assert accounts.token_actor(core, token, CredentialKind.TOKEN).name == "ada"
    later = utcnow() + timedelta(days=30, seconds=1)
    with pytest.raises(Unauthorized):
        accounts.token_actor(core, token, CredentialKind.TOKEN, now=later)


@pytest.mark.parametrize("bad", ["", "0d", "-1h", "30x", "d", "1.5h"])
def test_tokens_create_with_a_bad_expiry_exits_2(data_dir: Path, core: Runtime, bad: str) -> None:
    result = _run(data_dir, "tokens", "create", "ada", "--expires", bad)
    assert result.exit_code == 2, result.output
    assert "bad duration" in result.stderr


def test_access_clients_list_and_revoke(data_dir: Path, core: Runtime) -> None:
    issued = logins.issue_access_client(core, accounts.principal_named(core, "ada").id, label="pos")
    listed = _run(data_dir, "access-clients", "list", "--user", "ada")
    assert "pos" in listed.stdout and issued.token not in listed.stdout
    revoked = _run(data_dir, "access-clients", "revoke", str(issued.login.id))
    assert revoked.exit_code == 0, revoked.output
    with pytest.raises(Unauthorized):
        accounts.token_actor(core, issued.token, CredentialKind.ACCESS_CLIENT)


def test_users_deactivate_refuses_password_and_tokens(data_dir: Path, core: Runtime) -> None:
    token = _token(data_dir)
    assert accounts.password_actor(core, "ada", "pw").name == "ada"  # cached from now on
    assert _run(data_dir, "users", "deactivate", "ada").exit_code == 0
    with pytest.raises(Unauthorized):
        accounts.password_actor(core, "ada", "pw")
    with pytest.raises(Unauthorized):
        accounts.token_actor(core, token, CredentialKind.TOKEN)
    assert _run(data_dir, "users", "reactivate", "ada").exit_code == 0
    assert accounts.token_actor(core, token, CredentialKind.TOKEN).name == "ada"


def test_users_password_reads_stdin_and_ends_sessions(data_dir: Path, core: Runtime) -> None:
    session = logins.open_session(core, accounts.principal_named(core, "ada").id)
    changed = _run(data_dir, "users", "password", "ada", stdin="new secret\n")
    assert changed.exit_code == 0, changed.output
    assert "ended 1 sessions" in changed.stdout
    assert accounts.password_actor(core, "ada", "new secret").name == "ada"
    with pytest.raises(Unauthorized):
        accounts.password_actor(core, "ada", "pw")
    with pytest.raises(Unauthorized):
        accounts.token_actor(core, session.token, CredentialKind.SESSION)


def test_users_password_refuses_an_empty_one(data_dir: Path, core: Runtime) -> None:
    result = _run(data_dir, "users", "password", "ada", stdin="\n")
    assert result.exit_code == 2
    assert "must not be empty" in result.stderr
