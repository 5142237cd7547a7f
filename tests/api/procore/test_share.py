"""Share links minted by an administrator: ``darkroom share IMAGE --expires 7d`` and
``POST /admin/v1/images/{ref}/share`` print or answer a signed link that works without
credentials until it expires, for private images too."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from typer.testing import CliRunner

from darkroom.cli import app
from darkroom.core import accounts
from darkroom.core.access import Role
from tests.api.procore.conftest import PROJECT, Procore, assert_error, make_image

PASSWORD = "correct horse battery"
runner = CliRunner()


@pytest.fixture
def root(procore: Procore) -> tuple[str, str]:
    with procore.runtime.transaction() as session:
        accounts.create_principal(session, "root", password=PASSWORD, role=Role.ADMIN)
    return "root", PASSWORD


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("DARKROOM_"):
            monkeypatch.delenv(name)
    yield


def _share(procore: Procore, auth: tuple[str, str], ref: str, **body: str) -> httpx.Response:
    return httpx.post(f"{procore.base}/admin/v1/images/{ref}/share", json=body or None, auth=auth)


def test_admin_share_answers_a_signed_link_to_a_private_image(
    procore: Procore, api: httpx.Client, root: tuple[str, str]
) -> None:
    created = make_image(api, private=True, seed=3)
    response = _share(procore, root, f"procore:{created['id']}", expires="7d")
    assert response.status_code == 201, response.text
    body = response.json()
    link = body["url"]
    assert link.startswith(f"{procore.base}/rest/v1.0/image_files/")
    assert "expires=" in link and "signature=" in link
    until = datetime.strptime(body["expiresAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert 6.9 * 86400 < (until - datetime.now(UTC)).total_seconds() <= 7 * 86400
    fetched = httpx.get(link)
    assert fetched.status_code == 200
    assert fetched.content == httpx.get(created["url"]).content


def test_admin_share_refuses_a_member(procore: Procore, root: tuple[str, str]) -> None:
    with procore.runtime.transaction() as session:
        accounts.create_principal(session, "plain", password=PASSWORD, role=Role.MEMBER)
    response = _share(procore, ("plain", PASSWORD), "procore:1")
    assert response.status_code == 403


def test_admin_share_of_an_unknown_image_is_404(procore: Procore, root: tuple[str, str]) -> None:
    assert _share(procore, root, "procore:999999").status_code == 404


def test_admin_share_refuses_a_duration_it_cannot_read(
    procore: Procore, api: httpx.Client, root: tuple[str, str]
) -> None:
    created = make_image(api)
    for expires in ("forever", "0d", "400d", "-1h"):
        response = _share(procore, root, str(created["id"]), expires=expires)
        assert response.status_code == 422, (expires, response.text)


def test_shared_link_of_a_trashed_image_stops_working(
    procore: Procore, api: httpx.Client, root: tuple[str, str]
) -> None:
    created = make_image(api, private=True)
    link = _share(procore, root, f"procore:{created['id']}").json()["url"]
    assert httpx.get(link, timeout=30).status_code == 200  # a busy machine: not 5 s
    api.delete(f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}")
    assert_error(httpx.get(link, timeout=30), 404)


def test_cli_share_prints_a_link_the_server_accepts(
    procore: Procore, api: httpx.Client, clean_environment: None
) -> None:
    created = make_image(api, private=True, seed=4)
    settings = procore.runtime.settings
    result = runner.invoke(
        app,
        [
            "--data-dir",
            str(settings.data_dir),
            "--database-url",
            settings.database_url,
            "--storage-url",
            settings.storage_url,
            "share",
            f"procore:{created['id']}",
            "--expires",
            "2h",
        ],
        env={"DARKROOM_PUBLIC_URL": procore.base},
    )
    assert result.exit_code == 0, result.output
    link = result.stdout.strip().splitlines()[-1]
    assert link.startswith(f"{procore.base}/rest/v1.0/image_files/")
    assert httpx.get(link).status_code == 200


def test_cli_share_of_an_unknown_reference_fails_cleanly(
    procore: Procore, clean_environment: None
) -> None:
    settings = procore.runtime.settings
    options = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    result = runner.invoke(app, [*options, "share", "flickr:12"])
    assert result.exit_code != 0
    assert "unknown image reference" in result.output
