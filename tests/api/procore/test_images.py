"""The five image operations and restore (spec §2): bodies, statuses, views and strict types."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from darkroom.db.models import Blob, Image
from tests import images as samples
from tests.api.procore.conftest import (
    JSON_UTF8,
    PROJECT,
    Procore,
    assert_error,
    data_of,
    ids,
    make_image,
)

IMAGES = f"/rest/v1.0/images?project_id={PROJECT}"


def _one(api: httpx.Client, image_id: int, **query: str) -> httpx.Response:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return api.get(f"/rest/v1.0/images/{image_id}?project_id={PROJECT}{extra}")


def _trade(procore: Procore, name: str) -> int:
    response = procore.client("manager").post(
        "/rest/v1.0/companies/1/trades", json={"trade": {"name": name}}
    )
    assert response.status_code == 201, response.text
    trade_id: int = response.json()["id"]
    return trade_id


def _category(api: httpx.Client, name: str = "Site") -> int:
    response = api.post(
        f"/rest/v1.0/image_categories?project_id={PROJECT}",
        json={"image_category": {"name": name, "private": False}},
    )
    assert response.status_code == 201, response.text
    category_id: int = response.json()["id"]
    return category_id


# --- create: every body form ---------------------------------------------------------------------


def test_create_multipart_with_json_image_part_carrying_data_returns_201(
    api: httpx.Client,
) -> None:
    image = json.dumps({"private": False, "description": "d", "data": data_of(1)})
    response = api.post(IMAGES, files={"image_name": (None, "a.jpg"), "image": (None, image)})
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == JSON_UTF8
    assert response.json()["description"] == "d"
    assert response.json()["filename"] == "a.jpg"


def test_create_json_reference_form_returns_201_with_attributes(api: httpx.Client) -> None:
    created = make_image(api, description="north wall", log_date="2024-01-02", starred=True)
    assert (created["description"], created["starred"]) == ("north wall", True)
    assert (created["width"], created["height"]) == (64, 48)


def test_create_legacy_file_part_reads_bracketed_fields_and_file_name(api: httpx.Client) -> None:
    response = api.post(
        IMAGES,
        files={"image[data]": ("site.jpg", samples.jpeg(seed=2), "image/jpeg")},
        data={"image[description]": "legacy", "image[private]": "True"},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["filename"], created["description"], created["private"]) == (
        "site.jpg",
        "legacy",
        True,
    )


def test_create_urlencoded_with_json_image_field_returns_201(api: httpx.Client) -> None:
    image = json.dumps({"description": "form", "data": data_of(3)})
    response = api.post(IMAGES, data={"image_name": "f.jpg", "image": image})
    assert response.status_code == 201, response.text
    assert response.json()["description"] == "form"


def test_create_with_data_url_prefix_is_accepted(api: httpx.Client) -> None:
    created = make_image(api, data="data:image/jpeg;base64," + data_of(4))
    assert created["size"] == len(samples.jpeg(seed=4))


def test_create_with_url_safe_base64_is_accepted(api: httpx.Client) -> None:
    raw = samples.jpeg(seed=5)
    created = make_image(api, data=base64.urlsafe_b64encode(raw).decode().rstrip("="))
    assert created["size"] == len(raw)


def test_create_form_booleans_capitalised_are_read(api: httpx.Client) -> None:
    image = json.dumps({"data": data_of(6)})
    response = api.post(
        IMAGES,
        files={
            "image_name": (None, "b.jpg"),
            "image": (None, image),
            "image[starred]": (None, "True"),
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["starred"] is True


def test_create_without_source_returns_422_with_errors(api: httpx.Client) -> None:
    response = api.post(IMAGES, json={"image_name": "a.jpg", "image": {"description": "x"}})
    body = assert_error(response, 422, "source")
    assert list(body["errors"]) == ["upload_uuid"]


def test_create_with_undecodable_base64_returns_422(api: httpx.Client) -> None:
    response = api.post(IMAGES, json={"image_name": "a.jpg", "image": {"data": "@@not base64@@"}})
    assert_error(response, 422, "base64")


def test_create_with_bytes_that_are_not_an_image_returns_422(api: httpx.Client) -> None:
    data = base64.b64encode(b"<html>hello</html>").decode()
    assert_error(api.post(IMAGES, json={"image": {"data": data}}), 422)


def test_create_with_malformed_json_returns_400(api: httpx.Client) -> None:
    response = api.post(IMAGES, content=b"{nope", headers={"Content-Type": "application/json"})
    assert_error(response, 400, "JSON")


def test_create_with_image_part_that_is_not_json_returns_400(api: httpx.Client) -> None:
    response = api.post(IMAGES, files={"image_name": (None, "a.jpg"), "image": (None, "{'a': 1}")})
    assert_error(response, 400, "image")


def test_create_with_wrongly_typed_attribute_returns_422_naming_it(api: httpx.Client) -> None:
    response = api.post(IMAGES, json={"image": {"data": data_of(), "private": "maybe"}})
    body = assert_error(response, 422, "private")
    assert list(body["errors"]) == ["private"]


def test_create_with_unknown_trade_returns_422(api: httpx.Client) -> None:
    response = api.post(IMAGES, json={"image": {"data": data_of(), "trade_ids": [999]}})
    assert_error(response, 422, "trade")


def test_create_with_unknown_category_returns_422(api: httpx.Client) -> None:
    response = api.post(IMAGES, json={"image": {"data": data_of(), "image_category_id": 999}})
    assert_error(response, 422, "category")


def test_create_with_trade_ids_echoes_trade_objects(procore: Procore, api: httpx.Client) -> None:
    concrete = _trade(procore, "Concrete")
    created = make_image(api, trade_ids=[concrete])
    assert [t["name"] for t in created["trades"]] == ["Concrete"]
    assert created["trades"][0]["active"] is True


def test_create_with_mt_location_makes_the_missing_tiers(api: httpx.Client) -> None:
    created = make_image(api, mt_location=["Building 1", "Floor 2"])
    location = created["location"]
    assert (location["name"], location["node_name"]) == ("Building 1 > Floor 2", "Floor 2")
    assert isinstance(location["parent_id"], int)


def test_create_with_location_id_wins_over_mt_location(api: httpx.Client) -> None:
    first = make_image(api, mt_location=["A"])
    created = make_image(api, seed=1, location_id=first["location"]["id"], mt_location=["B"])
    assert created["location"]["name"] == "A"


def test_create_without_category_lands_in_the_default_album(api: httpx.Client) -> None:
    created = make_image(api)
    assert created["image_category_id"] is None
    assert created["image_category_private"] is False


def test_create_in_category_names_it(api: httpx.Client) -> None:
    created = make_image(api, image_category_id=_category(api, "Roof"))
    assert created["image_category_name"] == "Roof"


# --- show, update --------------------------------------------------------------------------------


def test_show_returns_the_image(api: httpx.Client) -> None:
    created = make_image(api, description="shown")
    response = _one(api, created["id"])
    assert response.status_code == 200
    assert response.json() == created


def test_show_of_missing_image_returns_404(api: httpx.Client) -> None:
    assert_error(_one(api, 12345), 404)


def test_show_with_non_integer_id_returns_400(api: httpx.Client) -> None:
    assert_error(api.get(f"/rest/v1.0/images/abc?project_id={PROJECT}"), 400, "id")


def test_update_changes_fields_and_replaces_trades(procore: Procore, api: httpx.Client) -> None:
    first, second = _trade(procore, "Steel"), _trade(procore, "Glass")
    created = make_image(api, trade_ids=[first])
    body = {"image": {"private": True, "description": "new", "trade_ids": [second]}}
    response = api.patch(f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}", json=body)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["private"], updated["description"]) == (True, "new")
    assert [t["id"] for t in updated["trades"]] == [second]


def test_update_with_category_moves_the_image(api: httpx.Client) -> None:
    created = make_image(api)
    roof = _category(api, "Roof")
    body = {"image": {"image_category_id": roof}}
    response = api.patch(f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}", json=body)
    assert response.json()["image_category_id"] == roof


def test_update_with_mt_location_places_the_image(api: httpx.Client) -> None:
    created = make_image(api)
    body = {"image": {"mt_location": ["B1", "F3"], "starred": True, "log_date": "2024-02-03"}}
    response = api.patch(f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}", json=body)
    updated = response.json()
    assert (updated["location"]["name"], updated["starred"]) == ("B1 > F3", True)


def test_update_without_image_object_returns_400(api: httpx.Client) -> None:
    created = make_image(api)
    response = api.patch(
        f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}", json={"private": True}
    )
    assert_error(response, 400, "image")


# --- delete, recycle bin, restore ----------------------------------------------------------------


def _delete(api: httpx.Client, image_id: int, extra: str = "") -> httpx.Response:
    return api.delete(f"/rest/v1.0/images/{image_id}?project_id={PROJECT}{extra}")


def test_delete_moves_image_to_recycle_bin_with_200_and_empty_body(api: httpx.Client) -> None:
    created = make_image(api)
    response = _delete(api, created["id"])
    assert (response.status_code, response.content) == (200, b"")
    assert ids(api.get(IMAGES)) == []
    assert_error(_one(api, created["id"]), 404)


def test_deleted_image_is_listed_with_include_deleted_only(api: httpx.Client) -> None:
    kept, binned = make_image(api), make_image(api, seed=1)
    _delete(api, binned["id"])
    assert ids(api.get(IMAGES + "&filters%5Binclude_deleted%5D=only")) == [binned["id"]]
    listed = ids(api.get(IMAGES + "&filters%5Binclude_deleted%5D=with"))
    assert sorted(listed) == sorted([kept["id"], binned["id"]])


def test_delete_twice_returns_404(api: httpx.Client) -> None:
    created = make_image(api)
    _delete(api, created["id"])
    assert_error(_delete(api, created["id"]), 404)


def test_permanent_delete_removes_the_image_and_its_blob(
    procore: Procore, api: httpx.Client
) -> None:
    created = make_image(api, seed=9)
    assert _delete(api, created["id"], "&permanent=true").status_code == 200
    assert_error(_one(api, created["id"]), 404)
    assert_error(_delete(api, created["id"], "&permanent=true"), 404)
    with procore.runtime.transaction() as session:
        assert session.scalars(select(Blob)).all() == []


def test_permanent_delete_of_binned_image_succeeds(api: httpx.Client) -> None:
    created = make_image(api)
    _delete(api, created["id"])
    assert _delete(api, created["id"], "&permanent=true").status_code == 200
    assert ids(api.get(IMAGES + "&filters%5Binclude_deleted%5D=only")) == []


def test_delete_with_bad_permanent_value_returns_400(api: httpx.Client) -> None:
    created = make_image(api)
    assert_error(_delete(api, created["id"], "&permanent=perhaps"), 400, "permanent")


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_retrieve_restores_from_recycle_bin(api: httpx.Client, method: str) -> None:
    created = make_image(api)
    _delete(api, created["id"])
    response = api.request(method, created["links"]["retrieve"])
    assert response.status_code == 200, response.text
    assert response.json()["id"] == created["id"]
    assert ids(api.get(IMAGES)) == [created["id"]]


def test_retrieve_of_live_image_returns_404(api: httpx.Client) -> None:
    created = make_image(api)
    assert_error(api.post(created["links"]["retrieve"]), 404)


def test_album_delete_bins_its_images_and_restore_lands_in_default(api: httpx.Client) -> None:
    roof = _category(api, "Roof")
    created = make_image(api, image_category_id=roof)
    deleted = api.delete(f"/rest/v1.0/image_categories/{roof}?project_id={PROJECT}")
    assert deleted.status_code == 204
    assert ids(api.get(IMAGES)) == []
    restored = api.patch(created["links"]["retrieve"]).json()
    assert restored["image_category_id"] is None


# --- visibility and starring ---------------------------------------------------------------------


def test_private_image_is_hidden_from_other_members(procore: Procore, api: httpx.Client) -> None:
    secret = make_image(api, private=True)
    colleague = procore.client("colleague")
    assert ids(colleague.get(IMAGES)) == []
    assert_error(_one(colleague, secret["id"]), 404)


def test_private_image_is_listed_to_uploader_and_managers(
    procore: Procore, api: httpx.Client
) -> None:
    secret = make_image(api, private=True)
    assert ids(api.get(IMAGES)) == [secret["id"]]
    assert ids(procore.client("manager").get(IMAGES)) == [secret["id"]]
    assert ids(procore.client("admin").get(IMAGES)) == [secret["id"]]


def test_starred_is_per_image(api: httpx.Client) -> None:
    starred, plain = make_image(api, starred=True), make_image(api, seed=1)
    assert ids(api.get(IMAGES + "&filters%5Bstarred%5D=true")) == [starred["id"]]
    assert _one(api, plain["id"]).json()["starred"] is False


# --- serializer views ----------------------------------------------------------------------------

DEFAULT_FIELDS = {
    "id", "url", "size", "filename", "description", "thumbnail_url", "taken_at", "created_at",
    "updated_at", "location", "image_category_name", "image_category_id",
    "image_category_private", "permanently_deleted", "private", "starred", "width", "height",
    "origin_id", "daily_log_header_id", "gps_lat", "gps_long", "uploader",
}  # fmt: skip


@pytest.mark.parametrize(
    ("view", "extra"),
    [
        ("normal", {"links", "comments_count", "trades"}),
        ("android", {"trades", "comments"}),
        ("mobile", {"log_date", "trades", "comments"}),
        ("mobile_feed", {"comments"}),
        ("prostore_file", {"images"}),
    ],
)
def test_list_view_has_default_fields_plus_its_own(
    api: httpx.Client, view: str, extra: set[str]
) -> None:
    make_image(api, log_date="2024-01-02")
    item = api.get(IMAGES + f"&serializer_view={view}").json()[0]
    assert set(item) == DEFAULT_FIELDS | extra


def test_list_without_view_is_normal(api: httpx.Client) -> None:
    make_image(api)
    item = api.get(IMAGES).json()[0]
    assert set(item) == DEFAULT_FIELDS | {"links", "comments_count", "trades"}


def test_list_ids_only_view_is_a_bare_array_of_ints(api: httpx.Client) -> None:
    first, second = make_image(api), make_image(api, seed=1)
    response = api.get(IMAGES + "&serializer_view=ids_only")
    assert response.json() == [second["id"], first["id"]]


def test_list_mobile_view_sends_log_date_as_a_date(api: httpx.Client) -> None:
    make_image(api, log_date="2024-01-02")
    assert api.get(IMAGES + "&serializer_view=mobile").json()[0]["log_date"] == "2024-01-02"


def test_list_with_unknown_view_returns_400(api: httpx.Client) -> None:
    assert_error(api.get(IMAGES + "&serializer_view=fancy"), 400, "serializer_view")


# --- strict types (spec §3.1) --------------------------------------------------------------------

INT, STR, BOOL, OBJ, LIST = int, str, bool, dict, list
NORMAL_TYPES: dict[str, tuple[type, bool]] = {  # key -> (JSON type, may be null)
    "id": (INT, False), "url": (STR, False), "size": (INT, False), "filename": (STR, False),
    "description": (STR, True), "thumbnail_url": (STR, True), "taken_at": (STR, True),
    "created_at": (STR, False), "updated_at": (STR, False), "location": (OBJ, True),
    "image_category_name": (STR, True), "image_category_id": (INT, True),
    "image_category_private": (BOOL, False), "permanently_deleted": (BOOL, False),
    "private": (BOOL, False), "starred": (BOOL, False), "width": (INT, True),
    "height": (INT, True), "origin_id": (INT, True), "daily_log_header_id": (INT, True),
    "gps_lat": (STR, True), "gps_long": (STR, True), "uploader": (OBJ, False),
    "links": (OBJ, False), "trades": (LIST, True), "comments_count": (INT, False),
}  # fmt: skip
NESTED_TYPES: dict[str, dict[str, tuple[type, bool]]] = {
    "uploader": {"id": (INT, False), "login": (STR, False), "name": (STR, False)},
    "location": {
        "id": (INT, False), "name": (STR, False), "node_name": (STR, False),
        "parent_id": (INT, True), "created_at": (STR, False), "updated_at": (STR, False),
    },
    "links": {
        k: (STR, False) for k in ("self", "update", "delete", "permanentlyDelete", "retrieve")
    },
    "trades": {"id": (INT, False), "name": (STR, False), "active": (BOOL, False),
               "updated_at": (STR, False)},
}  # fmt: skip


def _type_problems(obj: dict[str, Any], types: dict[str, tuple[type, bool]]) -> list[str]:
    """Every key whose JSON type differs from ``types`` (bool is not an int here)."""
    problems = []
    for key, (kind, nullable) in types.items():
        value = obj.get(key)
        if value is None:
            if not nullable:
                problems.append(f"{key} is null")
        elif type(value) is not kind:
            problems.append(f"{key} is {type(value).__name__}, not {kind.__name__}")
        elif kind is STR and key.endswith("_at") and not value.endswith("Z"):
            problems.append(f"{key} is not a UTC timestamp with Z: {value}")
    for key, nested in NESTED_TYPES.items():
        value = obj.get(key)
        for item in value if isinstance(value, list) else [value] if value else []:
            problems += [f"{key}.{p}" for p in _type_problems(item, nested)]
    return problems


def test_normal_view_has_strict_json_types(procore: Procore, api: httpx.Client) -> None:
    created = make_image(
        api, trade_ids=[_trade(procore, "Paint")], mt_location=["B", "F"], description="d"
    )
    with procore.runtime.transaction() as session:
        image = session.get_one(Image, created["id"])
        image.gps_lat, image.gps_long, image.extras = 40.7128, -74.006, {"origin_id": 5}
    item = api.get(IMAGES + "&serializer_view=normal").json()[0]
    assert _type_problems(item, NORMAL_TYPES) == []
    assert (item["gps_lat"], item["gps_long"], item["origin_id"]) == ("40.7128", "-74.006", 5)
