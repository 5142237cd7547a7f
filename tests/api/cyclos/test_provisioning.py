"""Provisioning what the Cyclos operations refer to: advertisements, contact infos, access
clients and temp-image attachment, through the CLI (typer's CliRunner, on the server's own
database) and the admin endpoint (``/admin/v1``, HTTP Basic by an administrator)."""

from __future__ import annotations

import os

import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from darkroom.cli import app
from tests.api.cyclos.conftest import AD, PASSWORD, World, jpeg

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DARKROOM_"):
            monkeypatch.delenv(name)


def _cli(world: World, *args: str) -> Result:
    settings = world.rt.settings
    flags = [
        "--data-dir",
        str(settings.data_dir),
        "--database-url",
        settings.database_url,
        "--storage-url",
        settings.storage_url,
    ]
    return runner.invoke(app, [*flags, *args])


def _admin(
    world: World, method: str, path: str, user: str = "root", **options: object
) -> httpx.Response:
    base = world.api.removesuffix("/api")
    return httpx.request(method, f"{base}/admin/v1{path}", auth=(user, PASSWORD), **options)  # type: ignore[arg-type]


# --- CLI -----------------------------------------------------------------------------------


def test_cli_ads_create_makes_an_ad_the_api_serves(world: World) -> None:
    result = _cli(world, "ads", "create", "bob", "--id", "900", "--product-number", "B-1")
    assert result.exit_code == 0, result.output
    assert "advertisement 900" in result.stdout
    assert world.user("bob").upload_ad_image("B-1@bob", jpeg()).status_code == 201


def test_cli_ads_create_without_id_generates_one(world: World) -> None:
    result = _cli(world, "ads", "create", "bob")
    assert result.exit_code == 0, result.output
    assert _cli(world, "ads", "list", "bob").stdout.count("\n") > 3


def test_cli_ads_list_shows_the_users_ads(world: World) -> None:
    result = _cli(world, "ads", "list", "alice")
    assert result.exit_code == 0
    assert AD in result.stdout
    assert "P1" in result.stdout


def test_cli_ads_delete_removes_the_ad_and_its_images(world: World) -> None:
    image_id = world.user("alice").upload_ad_image(AD, jpeg()).text
    result = _cli(world, "ads", "delete", "alice", AD)
    assert result.exit_code == 0, result.output
    assert world.guest().list_ad_images(AD).status_code == 404
    assert world.guest().view_image(image_id).status_code == 404


def test_cli_ads_create_with_taken_id_exits_1(world: World) -> None:
    result = _cli(world, "ads", "create", "bob", "--id", AD)
    assert result.exit_code == 1
    assert "already exists" in result.stderr


def test_cli_ads_create_with_malformed_id_exits_2(world: World) -> None:
    assert _cli(world, "ads", "create", "bob", "--id", "12x").exit_code == 2


def test_cli_contact_infos_create_list_delete(world: World) -> None:
    assert _cli(world, "contact-infos", "create", "bob", "--id", "66").exit_code == 0
    assert "66" in _cli(world, "contact-infos", "list", "bob").stdout
    assert world.user("bob").upload_contact_info_image("66", jpeg()).status_code == 201
    assert _cli(world, "contact-infos", "delete", "bob", "66").exit_code == 0
    assert world.user("bob").upload_contact_info_image("66", jpeg()).status_code == 404


def test_cli_access_clients_create_prints_a_usable_token_last(world: World) -> None:
    result = _cli(world, "access-clients", "create", "alice", "--label", "kiosk")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    client = world.guest(access_client_token=token)
    assert client.upload_user_image("self", jpeg()).status_code == 201


def test_cli_access_clients_activation_code_activates_over_http(world: World) -> None:
    result = _cli(world, "access-clients", "create", "alice", "--activation-code")
    code = result.stdout.strip().splitlines()[-1]
    token = world.user("alice").activate(code).json()["token"]
    assert world.guest(access_client_token=token).list_user_images("self").status_code == 200


def test_cli_temp_images_attach_moves_the_image_to_the_profile(world: World) -> None:
    image_id = world.guest().upload_temp_image(jpeg(), guest_key="k").text
    result = _cli(world, "temp-images", "attach", image_id, "--profile", "alice")
    assert result.exit_code == 0, result.output
    answer = world.guest().list_user_images("alice")
    assert [image["id"] for image in answer.json()] == [image_id]


def test_cli_temp_images_attach_without_destination_exits_2(world: World) -> None:
    image_id = world.guest().upload_temp_image(jpeg(), guest_key="k").text
    assert _cli(world, "temp-images", "attach", image_id).exit_code == 2


# --- admin endpoint ------------------------------------------------------------------------


def test_admin_create_ad_answers_201_with_the_ad(world: World) -> None:
    answer = _admin(world, "POST", "/users/bob/ads", json={"id": "901", "productNumber": "X"})
    assert answer.status_code == 201
    assert answer.json() == {
        "id": "901",
        "kind": "advertisement",
        "ownerId": str(world.ids["bob"]),
        "name": "",
        "productNumber": "X",
        "images": 0,
    }
    assert world.user("bob").upload_ad_image("901", jpeg()).status_code == 201


def test_admin_list_ads_counts_their_images(world: World) -> None:
    world.user("alice").upload_ad_image(AD, jpeg())
    answer = _admin(world, "GET", "/users/alice/ads")
    assert [(ad["id"], ad["images"]) for ad in answer.json()] == [(AD, 1)]


def test_admin_delete_contact_info_answers_204(world: World) -> None:
    assert _admin(world, "DELETE", "/users/alice/contact-infos/55").status_code == 204
    assert _admin(world, "GET", "/users/alice/contact-infos").json() == []


def test_admin_create_with_duplicate_id_answers_409(world: World) -> None:
    answer = _admin(world, "POST", "/users/bob/ads", json={"id": AD})
    assert answer.status_code == 409


def test_admin_endpoint_as_member_answers_403(world: World) -> None:
    assert _admin(world, "GET", "/users/alice/ads", user="alice").status_code == 403


def test_admin_endpoint_without_credentials_answers_401(world: World) -> None:
    base = world.api.removesuffix("/api")
    assert httpx.get(f"{base}/admin/v1/users/alice/ads").status_code == 401


def test_admin_attach_temp_image_to_contact_info_replaces_its_image(world: World) -> None:
    old = world.user("alice").upload_contact_info_image("55", jpeg(seed=1)).text
    temp = world.user("alice").upload_temp_image(jpeg(seed=2), target="contactInfo").text
    answer = _admin(world, "POST", f"/temp-images/{temp}/attach", json={"contactInfo": "55"})
    assert answer.status_code == 200
    assert world.guest().view_image(old).status_code == 404
    assert world.guest().view_image(temp).json()["kind"] == "contactInfo"


def test_admin_attach_a_non_temp_image_answers_422(world: World) -> None:
    image_id = world.user("alice").upload_ad_image(AD, jpeg()).text
    answer = _admin(world, "POST", f"/temp-images/{image_id}/attach", json={"profile": "alice"})
    assert answer.status_code == 422
