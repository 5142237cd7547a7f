"""Project locations (spec §6): the tree, its filters, find-or-create and the legacy routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from darkroom.db.models import Location
from tests.api.procore.conftest import PROJECT, Procore, assert_error, make_image, qs

LOCATIONS = f"/rest/v1.0/projects/{PROJECT}/locations"


def _path(api: httpx.Client, *tiers: str) -> dict[str, Any]:
    response = api.post(
        f"{LOCATIONS}/find_or_create_by_path", json={"location": {"path": list(tiers)}}
    )
    assert response.status_code in (200, 201), response.text
    found: dict[str, Any] = response.json()
    return found


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()]


@pytest.fixture
def tree(api: httpx.Client) -> dict[str, dict[str, Any]]:
    """B1 > F1 > R1, B1 > F2 and B2 (code "X2")."""
    made = {
        "r1": _path(api, "B1", "F1", "R1"),
        "f2": _path(api, "B1", "F2"),
        "b2": api.post(LOCATIONS, json={"location": {"node_name": "B2", "code": "X2"}}).json(),
    }
    made["f1"] = {"id": made["r1"]["parent_id"]}
    made["b1"] = {"id": made["f2"]["parent_id"]}
    return made


def _filtered(api: httpx.Client, *pairs: tuple[str, object]) -> list[str]:
    return _names(api.get(f"{LOCATIONS}?{qs(*pairs)}"))


def test_find_or_create_by_path_returns_201_then_200(api: httpx.Client) -> None:
    body = {"location": {"path": ["Building 1", "Floor 2"]}}
    first = api.post(f"{LOCATIONS}/find_or_create_by_path", json=body)
    again = api.post(f"{LOCATIONS}/find_or_create_by_path", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert (first.json()["name"], first.json()["node_name"]) == ("Building 1 > Floor 2", "Floor 2")
    assert first.json()["code"] is None


def test_find_or_create_by_path_without_path_returns_400(api: httpx.Client) -> None:
    response = api.post(f"{LOCATIONS}/find_or_create_by_path", json={"location": {}})
    assert_error(response, 400, "path")


def test_location_create_with_node_name_and_parent_returns_201(api: httpx.Client) -> None:
    parent = _path(api, "B1")
    body = {"location": {"node_name": "F9", "parent_id": parent["id"]}}
    response = api.post(LOCATIONS, json=body)
    assert response.status_code == 201
    assert (response.json()["name"], response.json()["parent_id"]) == ("B1 > F9", parent["id"])


def test_location_create_with_path_makes_missing_tiers(api: httpx.Client) -> None:
    response = api.post(LOCATIONS, json={"location": {"path": ["N1", "N2"]}})
    assert (response.status_code, response.json()["name"]) == (201, "N1 > N2")


def test_location_create_of_existing_path_returns_422(api: httpx.Client) -> None:
    _path(api, "B1")
    assert_error(api.post(LOCATIONS, json={"location": {"node_name": "B1"}}), 422, "exists")


def test_location_list_is_ordered_by_path_with_paging_headers(
    api: httpx.Client, tree: dict[str, Any]
) -> None:
    response = api.get(LOCATIONS + "?per_page=2")
    assert _names(response) == ["B1", "B1 > F1"]
    assert response.headers["total"] == "5" and 'rel="next"' in response.headers["link"]


def test_location_filter_id_csv(api: httpx.Client, tree: dict[str, Any]) -> None:
    assert _filtered(api, ("filters[id]", [tree["b2"]["id"], tree["f2"]["id"]])) == [
        "B1 > F2",
        "B2",
    ]


def test_location_filter_parent_id(api: httpx.Client, tree: dict[str, Any]) -> None:
    assert _filtered(api, ("filters[parent_id]", tree["b1"]["id"])) == ["B1 > F1", "B1 > F2"]


def test_location_filter_code_repeated_key(api: httpx.Client, tree: dict[str, Any]) -> None:
    response = api.get(f"{LOCATIONS}?filters%5Bcode%5D=X2&filters%5Bcode%5D=Y7")
    assert _names(response) == ["B2"]


def test_location_filter_search_matches_path(api: httpx.Client, tree: dict[str, Any]) -> None:
    assert _filtered(api, ("filters[search]", "f1")) == ["B1 > F1", "B1 > F1 > R1"]


def test_location_filter_search_with_code_matches_code(
    api: httpx.Client, tree: dict[str, Any]
) -> None:
    assert _filtered(api, ("filters[search_with_code]", "x2")) == ["B2"]


def test_location_filter_superlocations_for(api: httpx.Client, tree: dict[str, Any]) -> None:
    assert _filtered(api, ("filters[superlocations_for]", tree["r1"]["id"])) == ["B1", "B1 > F1"]


def test_location_filter_sublocations_for(api: httpx.Client, tree: dict[str, Any]) -> None:
    found = _filtered(api, ("filters[sublocations_for]", tree["b1"]["id"]))
    assert found == ["B1 > F1", "B1 > F1 > R1", "B1 > F2"]


def test_location_filter_depth_range(api: httpx.Client, tree: dict[str, Any]) -> None:
    assert _filtered(api, ("filters[depth_range]", "2...3")) == [
        "B1 > F1",
        "B1 > F1 > R1",
        "B1 > F2",
    ]


def test_location_filter_updated_at(
    procore: Procore, api: httpx.Client, tree: dict[str, Any]
) -> None:
    with procore.runtime.transaction() as session:
        session.execute(
            update(Location)
            .where(Location.id == tree["b2"]["id"])
            .values(updated_at=datetime(2022, 3, 4, tzinfo=UTC))
        )
    assert _filtered(api, ("filters[updated_at]", "2022-03-04")) == ["B2"]


def test_location_sort_descending_by_name(api: httpx.Client, tree: dict[str, Any]) -> None:
    assert _filtered(api, ("sort", "-name"))[:2] == ["B2", "B1 > F2"]


def test_location_list_with_bad_filter_returns_400(api: httpx.Client) -> None:
    assert_error(api.get(f"{LOCATIONS}?{qs(('filters[depth_range]', 'deep'))}"), 400)


def test_legacy_location_routes_create_show_update_delete(api: httpx.Client) -> None:
    created = api.post(
        "/rest/v1.0/locations", json={"project_id": PROJECT, "location": {"node_name": "L1"}}
    )
    assert created.status_code == 201, created.text
    one = f"/rest/v1.0/locations/{created.json()['id']}?project_id={PROJECT}"
    assert api.get(one).json()["name"] == "L1"
    assert api.patch(one, json={"location": {"node_name": "L2"}}).json()["name"] == "L2"
    assert _names(api.get(f"/rest/v1.0/locations?project_id={PROJECT}")) == ["L2"]
    assert api.delete(one).status_code == 204
    assert_error(api.get(one), 404)


def test_location_rename_renames_everything_below(api: httpx.Client, tree: dict[str, Any]) -> None:
    one = f"/rest/v1.0/locations/{tree['b1']['id']}?project_id={PROJECT}"
    api.patch(one, json={"location": {"node_name": "Tower"}})
    found = _filtered(api, ("filters[sublocations_for]", tree["b1"]["id"]))
    assert found == ["Tower > F1", "Tower > F1 > R1", "Tower > F2"]


def test_location_delete_unplaces_its_images(api: httpx.Client) -> None:
    image = make_image(api, mt_location=["Gone"])
    api.delete(f"/rest/v1.0/locations/{image['location']['id']}?project_id={PROJECT}")
    shown = api.get(f"/rest/v1.0/images/{image['id']}?project_id={PROJECT}").json()
    assert shown["location"] is None
