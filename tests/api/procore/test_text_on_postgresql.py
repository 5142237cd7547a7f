"""Text that PostgreSQL cannot store (NUL) is refused as a 422, not a 500, on PostgreSQL itself.

The whole Procore world of this module runs on the test session's PostgreSQL server: the module
overrides ``api_runtime``, which the ``server`` and ``procore`` fixtures build on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from darkroom.config import Settings
from darkroom.core.runtime import Runtime, open_runtime
from tests.api.procore.conftest import PROJECT, assert_error, data_of, make_image
from tests.conftest import fresh_postgres_database

IMAGES = f"/rest/v1.0/images?project_id={PROJECT}"


def _list(api: httpx.Client, query: dict[str, str]) -> httpx.Response:
    return api.get("/rest/v1.0/images", params={"project_id": PROJECT, **query})


@pytest.fixture
def api_runtime(tmp_path: Path, postgres_url: str) -> Iterator[Runtime]:
    data = tmp_path / "data"
    rt = open_runtime(
        Settings(
            data_dir=data,
            database_url=fresh_postgres_database(postgres_url),
            storage_url=f"file://{data / 'blobs'}",
        )
    )
    try:
        yield rt
    finally:
        rt.close()


def test_nul_in_image_name_is_refused_on_postgresql(api: httpx.Client) -> None:
    response = api.post(IMAGES, json={"image_name": "a\x00.jpg", "image": {"data": data_of()}})
    assert_error(response, 422, "image_name must not contain control characters")


def test_nul_in_a_description_update_is_refused_on_postgresql(api: httpx.Client) -> None:
    image = make_image(api)
    response = api.patch(
        f"/rest/v1.0/images/{image['id']}?project_id={PROJECT}",
        json={"image": {"description": "x\x00y"}},
    )
    assert_error(response, 422, "description must not contain control characters")


def test_nul_in_a_search_is_refused_on_postgresql(api: httpx.Client) -> None:
    response = _list(api, {"filters[query]": "\x00"})
    assert_error(response, 400, "control characters")


def test_nul_in_a_location_tier_is_refused_on_postgresql(api: httpx.Client) -> None:
    response = api.post(
        f"/rest/v1.0/projects/{PROJECT}/locations/find_or_create_by_path",
        json={"location": {"path": ["B", "F\x00"]}},
    )
    assert_error(response, 422, "control characters")
