"""Image categories (photo albums, spec §5): CRUD, counts, covers, ids_with_images, paging."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.api.procore.conftest import PROJECT, Procore, assert_error, ids, make_image

CATEGORIES = f"/rest/v1.0/image_categories?project_id={PROJECT}"


def _one(category_id: int) -> str:
    return f"/rest/v1.0/image_categories/{category_id}?project_id={PROJECT}"


def _create(api: httpx.Client, name: str, private: bool = False, **more: Any) -> dict[str, Any]:
    """The generated client's body: ``name`` and always ``private``."""
    response = api.post(
        CATEGORIES, json={"image_category": {"name": name, "private": private, **more}}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_category_create_returns_201_detail(api: httpx.Client) -> None:
    created = _create(api, "Roof", private=True)
    assert set(created) >= {
        "id",
        "name",
        "position",
        "album_cover_id",
        "created_at",
        "private",
        "count",
    }
    assert (created["name"], created["private"], created["count"]) == ("Roof", True, 0)
    assert created["album_cover_id"] is None


def test_category_create_with_cover_sets_it(api: httpx.Client) -> None:
    cover = make_image(api)["id"]
    assert _create(api, "Covered", album_cover_id=cover)["album_cover_id"] == cover


def test_category_create_without_name_returns_422(api: httpx.Client) -> None:
    response = api.post(CATEGORIES, json={"image_category": {"private": False}})
    assert_error(response, 422, "name")


def test_category_create_without_object_returns_400(api: httpx.Client) -> None:
    assert_error(api.post(CATEGORIES, json={"name": "Roof"}), 400, "image_category")


def test_category_list_items_have_counts_positions_and_links(api: httpx.Client) -> None:
    roof, wall = _create(api, "Roof"), _create(api, "Wall")
    make_image(api, image_category_id=wall["id"])
    response = api.get(CATEGORIES)
    listed = response.json()
    assert [(c["name"], c["position"], c["count"]) for c in listed] == [
        ("Roof", 1, 0),
        ("Wall", 2, 1),
    ]
    assert listed[0]["links"]["show"] == _one(roof["id"])
    assert response.headers["total"] == "2"


def test_category_list_is_paged_with_headers(api: httpx.Client) -> None:
    for name in ("A", "B", "C"):
        _create(api, name)
    response = api.get(CATEGORIES + "&page=2&per_page=2")
    assert [c["name"] for c in response.json()] == ["C"]
    assert 'rel="prev"' in response.headers["link"] and 'rel="next"' not in response.headers["link"]


def test_category_list_names_cover_photo_url(api: httpx.Client) -> None:
    cover = make_image(api)
    _create(api, "Covered", album_cover_id=cover["id"])
    assert api.get(CATEGORIES).json()[0]["cover_photo"] == cover["thumbnail_url"]


def test_category_list_leaves_out_the_default_album(api: httpx.Client) -> None:
    make_image(api)
    assert api.get(CATEGORIES).json() == []


def test_category_show_returns_detail(api: httpx.Client) -> None:
    created = _create(api, "Roof")
    response = api.get(_one(created["id"]))
    assert (response.status_code, response.json()["name"]) == (200, "Roof")


def test_category_show_of_unknown_id_returns_404(api: httpx.Client) -> None:
    assert_error(api.get(_one(999)), 404)


def test_category_update_renames_and_changes_private(api: httpx.Client) -> None:
    created = _create(api, "Roof")
    body = {"image_category": {"name": "Roof 2", "private": True}}
    response = api.patch(_one(created["id"]), json=body)
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["private"]) == ("Roof 2", True)


def test_category_update_with_null_cover_clears_it(api: httpx.Client) -> None:
    created = _create(api, "Roof", album_cover_id=make_image(api)["id"])
    response = api.patch(_one(created["id"]), json={"image_category": {"album_cover_id": None}})
    assert response.json()["album_cover_id"] is None


def test_category_delete_returns_204_and_bins_its_images(api: httpx.Client) -> None:
    created = _create(api, "Roof")
    image = make_image(api, image_category_id=created["id"])
    assert api.delete(_one(created["id"])).status_code == 204
    assert_error(api.get(_one(created["id"])), 404)
    binned = api.get(f"/rest/v1.0/images?project_id={PROJECT}&filters%5Binclude_deleted%5D=only")
    assert ids(binned) == [image["id"]]


def test_ids_with_images_lists_albums_holding_live_images(api: httpx.Client) -> None:
    empty, full, binned = _create(api, "Empty"), _create(api, "Full"), _create(api, "Binned")
    make_image(api, image_category_id=full["id"])
    gone = make_image(api, seed=1, image_category_id=binned["id"])
    api.delete(f"/rest/v1.0/images/{gone['id']}?project_id={PROJECT}")
    response = api.get(f"/rest/v1.0/image_categories/ids_with_images?project_id={PROJECT}")
    assert response.status_code == 200
    assert response.json() == [full["id"]]
    assert empty["id"] not in response.json()


def test_ids_with_images_filters_on_image_update_day(procore: Procore, api: httpx.Client) -> None:
    old, new = _create(api, "Old"), _create(api, "New")
    procore.set_updated(
        make_image(api, image_category_id=old["id"])["id"], datetime(2023, 5, 1, tzinfo=UTC)
    )
    make_image(api, seed=1, image_category_id=new["id"])
    url = f"/rest/v1.0/image_categories/ids_with_images?project_id={PROJECT}"
    assert api.get(url + "&filters%5Bupdated_at%5D=2023-05-01").json() == [old["id"]]
    ranged = api.get(url + "&filters%5Bupdated_at%5D=2023-04-01...2023-06-30").json()
    assert ranged == [old["id"]]


def test_ids_with_images_with_bad_range_returns_400(api: httpx.Client) -> None:
    url = f"/rest/v1.0/image_categories/ids_with_images?project_id={PROJECT}"
    assert_error(api.get(url + "&filters%5Bupdated_at%5D=later"), 400, "filters[updated_at]")
