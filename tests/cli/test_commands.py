"""The command line, run in-process with CliRunner against a SQLite data folder per test."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import Result

from darkroom.api import vocabulary
from darkroom.cli import app
from darkroom.core import access, accounts, albums, images
from darkroom.core.access import Role, SpaceRole
from darkroom.core.accounts import CredentialKind
from darkroom.core.blobs import blob_key
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.storage import LocalStore
from tests import images as samples
from tests.cli.runner import run as _run
from tests.cli.runner import runner
from tests.conftest import make_actor, scope_for


def _refused_cleanly(result: Result, exit_code: int) -> None:
    """Exited with ``exit_code`` through the CLI's own error path, not an escaped exception."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_migrate_with_data_dir_flag_creates_the_database(data_dir: Path) -> None:
    result = _run(data_dir, "migrate")
    assert result.exit_code == 0, result.output
    assert "up to date" in result.stdout
    assert (data_dir / "darkroom.db").is_file()


def test_migrate_with_data_dir_from_environment_creates_the_database(tmp_path: Path) -> None:
    folder = tmp_path / "from-env"
    result = runner.invoke(app, ["migrate"], env={"DARKROOM_DATA_DIR": str(folder)})
    assert result.exit_code == 0, result.output
    assert (folder / "darkroom.db").is_file()


def test_flag_of_one_invocation_does_not_carry_over_to_the_next(tmp_path: Path) -> None:
    flagged, from_env = tmp_path / "flagged", tmp_path / "from-env"
    assert _run(flagged, "migrate").exit_code == 0
    result = runner.invoke(app, ["migrate"], env={"DARKROOM_DATA_DIR": str(from_env)})
    assert result.exit_code == 0, result.output
    assert (from_env / "darkroom.db").is_file()


def test_bad_storage_url_exits_2_with_a_message(data_dir: Path) -> None:
    result = _run(data_dir, "--storage-url", "ftp://host/x", "migrate")
    _refused_cleanly(result, 2)
    assert "unsupported storage URL scheme" in result.stderr


def test_users_create_makes_a_user_who_can_log_in(data_dir: Path, core: Runtime) -> None:
    result = _run(data_dir, "users", "create", "ada", "--password", "pw1", "--role", "admin")
    assert result.exit_code == 0, result.output
    assert "created user ada" in result.stdout
    assert accounts.password_actor(core, "ada", "pw1").role == Role.ADMIN


def test_users_create_with_markup_in_name_prints_the_name_literally(data_dir: Path) -> None:
    result = _run(data_dir, "users", "create", "ada[/b]", "--password", "pw")
    assert result.exit_code == 0, result.output
    assert "created user ada[/b]" in result.stdout


def test_users_create_with_taken_name_exits_1_with_a_message(data_dir: Path) -> None:
    assert _run(data_dir, "users", "create", "ada", "--password", "pw1").exit_code == 0
    result = _run(data_dir, "users", "create", "ada", "--password", "pw2")
    _refused_cleanly(result, 1)
    assert "'ada' already exists" in result.stderr


def test_users_create_with_guest_role_exits_2_with_a_message(data_dir: Path) -> None:
    result = _run(data_dir, "users", "create", "ada", "--password", "pw", "--role", "guest")
    _refused_cleanly(result, 2)
    assert "guest" in result.stderr


def test_users_list_shows_created_users(data_dir: Path) -> None:
    assert _run(data_dir, "users", "create", "ada", "--password", "pw").exit_code == 0
    result = _run(data_dir, "users", "list")
    assert result.exit_code == 0, result.output
    assert "ada" in result.stdout and "member" in result.stdout


def test_tokens_create_prints_a_working_token_as_last_line(data_dir: Path, core: Runtime) -> None:
    assert _run(data_dir, "users", "create", "ada", "--password", "pw").exit_code == 0
    result = _run(data_dir, "tokens", "create", "ada", "--label", "ci")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert accounts.token_actor(core, token, CredentialKind.TOKEN).name == "ada"


def test_tokens_create_for_unknown_user_exits_1_with_a_message(data_dir: Path) -> None:
    result = _run(data_dir, "tokens", "create", "nobody")
    _refused_cleanly(result, 1)
    assert "user not found" in result.stderr


def test_grants_add_lets_the_member_enter_the_space(data_dir: Path, core: Runtime) -> None:
    assert _run(data_dir, "users", "create", "ada", "--password", "pw").exit_code == 0
    result = _run(data_dir, "grants", "add", "ada", "moov-account:a1")
    assert result.exit_code == 0, result.output
    with core.transaction() as session:
        member = accounts.actor_of(accounts.get_principal(session, "ada"))
    scope = access.enter(core, member, vocabulary.MOOV_ACCOUNT, "a1", write=False)
    assert scope.space.external_id == "a1"


def test_grants_remove_takes_the_access_back(data_dir: Path, core: Runtime) -> None:
    assert _run(data_dir, "users", "create", "ada", "--password", "pw").exit_code == 0
    assert _run(data_dir, "grants", "add", "ada", "moov-account:a1").exit_code == 0
    result = _run(data_dir, "grants", "remove", "ada", "moov-account:a1")
    assert result.exit_code == 0, result.output
    assert "removed ada" in result.stdout
    with core.transaction() as session:
        member = accounts.actor_of(accounts.get_principal(session, "ada"))
    with pytest.raises(access.Forbidden):
        access.enter(core, member, vocabulary.MOOV_ACCOUNT, "a1", write=False)


@pytest.mark.parametrize("space", ["a1", "moov:a1", "moov-account:"])
def test_grants_add_with_bad_space_exits_2_with_a_message(data_dir: Path, space: str) -> None:
    assert _run(data_dir, "users", "create", "ada", "--password", "pw").exit_code == 0
    result = _run(data_dir, "grants", "add", "ada", space)
    _refused_cleanly(result, 2)
    assert "space" in result.stderr


def _place_project(data_dir: Path, project: str, company: str) -> None:
    moved = _run(
        data_dir, "spaces", "move", f"procore-project:{project}", f"procore-company:{company}"
    )
    assert moved.exit_code == 0, moved.output


def _scope_of(core: Runtime, name: str, company: str, project: str) -> access.Scope:
    with core.transaction() as session:
        actor = accounts.actor_of(accounts.get_principal(session, name))
    return access.enter_nested(
        core,
        actor,
        (vocabulary.PROCORE_COMPANY, company),
        (vocabulary.PROCORE_PROJECT, project),
        write=False,
    )


def test_grants_add_with_role_gives_that_role_in_the_space(data_dir: Path, core: Runtime) -> None:
    assert _run(data_dir, "users", "create", "ada", "--password", "pw").exit_code == 0
    result = _run(data_dir, "grants", "add", "ada", "procore-company:1", "--role", "manager")
    assert result.exit_code == 0, result.output
    assert "as manager" in result.stdout
    assert (
        _run(data_dir, "spaces", "move", "procore-project:10", "procore-company:1").exit_code == 0
    )
    assert _scope_of(core, "ada", "1", "10").role is SpaceRole.MANAGER


def test_users_create_with_manager_role_exits_2(data_dir: Path) -> None:
    result = _run(data_dir, "users", "create", "ada", "--password", "pw", "--role", "manager")
    _refused_cleanly(result, 2)


def test_grants_add_on_an_unknown_project_without_company_exits_2(data_dir: Path) -> None:
    assert _run(data_dir, "users", "create", "ada", "--password", "pw").exit_code == 0
    result = _run(data_dir, "grants", "add", "ada", "procore-project:10")
    _refused_cleanly(result, 2)
    assert "--company" in result.stderr


def test_grants_add_with_company_makes_the_project_under_it(data_dir: Path, core: Runtime) -> None:
    assert _run(data_dir, "users", "create", "ada", "--password", "pw").exit_code == 0
    result = _run(data_dir, "grants", "add", "ada", "procore-project:10", "--company", "1")
    assert result.exit_code == 0, result.output
    assert _scope_of(core, "ada", "1", "10").role is SpaceRole.MEMBER


def test_grants_add_with_another_company_than_the_projects_exits_1(data_dir: Path) -> None:
    assert _run(data_dir, "users", "create", "ada", "--password", "pw").exit_code == 0
    assert (
        _run(data_dir, "spaces", "move", "procore-project:10", "procore-company:1").exit_code == 0
    )
    result = _run(data_dir, "grants", "add", "ada", "procore-project:10", "--company", "2")
    _refused_cleanly(result, 1)
    assert "belongs to another" in result.stderr


def test_spaces_move_puts_a_project_under_another_company(data_dir: Path, core: Runtime) -> None:
    assert _run(data_dir, "users", "create", "ada", "--password", "pw").exit_code == 0
    assert (
        _run(data_dir, "spaces", "move", "procore-project:10", "procore-company:1").exit_code == 0
    )
    assert _run(data_dir, "grants", "add", "ada", "procore-company:2").exit_code == 0
    with pytest.raises(access.NotFound):
        _scope_of(core, "ada", "2", "10")
    result = _run(data_dir, "spaces", "move", "procore-project:10", "procore-company:2")
    assert result.exit_code == 0, result.output
    assert _scope_of(core, "ada", "2", "10").space.external_id == "10"


def test_spaces_move_under_a_space_of_the_wrong_kind_exits_2(data_dir: Path) -> None:
    result = _run(data_dir, "spaces", "move", "procore-project:10", "moov-account:a1")
    _refused_cleanly(result, 2)


def test_gc_exits_0_and_prints_counts(data_dir: Path) -> None:
    result = _run(data_dir, "gc")
    assert result.exit_code == 0, result.output
    assert "removed 0 expired temp images" in result.stdout
    assert "0 stray keys" in result.stdout


def _stored_sha(core: Runtime) -> str:
    scope = scope_for(core, make_actor(core, "importer", Role.ADMIN))
    with core.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    data = io.BytesIO(samples.jpeg(seed=1))
    return images.ingest(core, scope, album, data, NewImage()).blob_sha256


def test_verify_on_clean_store_exits_0(data_dir: Path, core: Runtime) -> None:
    _stored_sha(core)
    result = _run(data_dir, "verify")
    assert result.exit_code == 0, result.output
    assert "checked 1 blobs: 0 missing, 0 corrupt" in result.stdout


def test_verify_with_a_flipped_byte_exits_1_naming_the_blob(data_dir: Path, core: Runtime) -> None:
    sha = _stored_sha(core)
    assert isinstance(core.store, LocalStore)
    path = core.store.root / blob_key(sha)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    result = _run(data_dir, "verify")
    assert result.exit_code == 1, result.output
    assert f"corrupt {sha}" in result.stdout
