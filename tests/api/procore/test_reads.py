"""A GET writes nothing (no write transaction, so no SQLite write lock), whoever asks and whether
or not the company and project exist yet; a company is made, with "General", by a write."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from darkroom.api import vocabulary
from darkroom.core import spaces
from tests.api.procore.conftest import COMPANY, PROJECT, Procore, make_image
from tests.conftest import record_writes


@pytest.fixture
def writes(procore: Procore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every write transaction the server opens from now on."""
    return record_writes(procore.runtime, monkeypatch)


@pytest.fixture
def world(procore: Procore) -> dict[str, Any]:
    """An image in a category at a location, and a pending upload, made before recording."""
    api = procore.client()
    category = api.post(
        f"/rest/v1.0/image_categories?project_id={PROJECT}",
        json={"image_category": {"name": "Roof"}},
    ).json()
    image = make_image(api, image_category_id=category["id"], mt_location=["B1", "F1"])
    upload = api.post(f"/rest/v1.0/projects/{PROJECT}/uploads", json={}).json()
    # The original as sent to whoever holds its URL (without location metadata) is a variant,
    # stored on the first request like any other.
    assert httpx.get(image["url"]).status_code == 200
    return {"category": category, "image": image, "upload": upload}


def test_get_of_every_procore_resource_opens_no_write_transaction(
    procore: Procore, world: dict[str, Any], writes: list[str]
) -> None:
    api = procore.client()
    image, category = world["image"]["id"], world["category"]["id"]
    location = world["image"]["location"]["id"]
    paths = [
        f"/rest/v1.0/images?project_id={PROJECT}",
        f"/rest/v1.0/images/{image}?project_id={PROJECT}",
        f"/rest/v1.0/image_categories?project_id={PROJECT}",
        f"/rest/v1.0/image_categories/ids_with_images?project_id={PROJECT}",
        f"/rest/v1.0/image_categories/{category}?project_id={PROJECT}",
        f"/rest/v1.0/projects/{PROJECT}/locations",
        f"/rest/v1.0/locations?project_id={PROJECT}",
        f"/rest/v1.0/locations/{location}?project_id={PROJECT}",
        f"/rest/v1.0/companies/{COMPANY}/trades",
        f"/rest/v1.0/projects/{PROJECT}/uploads/{world['upload']['uuid']}",
    ]
    for path in paths:
        assert api.get(path).status_code == 200, path
    assert httpx.get(world["image"]["url"]).status_code == 200
    assert writes == []


def test_get_of_a_new_project_by_a_member_makes_nothing(
    procore: Procore, writes: list[str]
) -> None:
    response = procore.client().get("/rest/v1.0/image_categories?project_id=11")
    assert response.status_code == 404
    assert writes == []
    assert not _exists(procore, vocabulary.PROCORE_PROJECT, "11")


def test_get_of_a_new_company_by_an_admin_makes_nothing(
    procore: Procore, writes: list[str]
) -> None:
    admin = procore.client("admin", company=7)
    for path in ("/rest/v1.0/images?project_id=70", "/rest/v1.0/projects/70/locations"):
        response = admin.get(path)
        assert (response.status_code, response.json()) == (200, []), path
    assert writes == []
    assert not _exists(procore, vocabulary.PROCORE_COMPANY, "7")


def test_first_write_of_an_admin_makes_the_company_with_general(procore: Procore) -> None:
    admin = procore.client("admin", company=7)
    make_image(admin, 70)
    trades = admin.get("/rest/v1.0/companies/7/trades").json()
    assert [t["name"] for t in trades] == ["General"]


def test_trade_list_of_a_company_never_written_to_is_empty_and_makes_nothing(
    procore: Procore, writes: list[str]
) -> None:
    response = procore.client("admin", company=8).get("/rest/v1.0/companies/8/trades")
    assert (response.status_code, response.json()) == (200, [])
    assert response.headers["total"] == "0"
    assert writes == []
    assert not _exists(procore, vocabulary.PROCORE_COMPANY, "8")


def _exists(procore: Procore, kind: str, external_id: str) -> bool:
    with procore.runtime.reading() as session:
        return spaces.find(session, kind, external_id) is not None
