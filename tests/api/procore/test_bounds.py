"""Every Procore input has a bound, checked before any work starts (issue 11; docs/security.md,
"Limits"): location tiers, filter lists, JSON depth and integers, text fields."""

from __future__ import annotations

import base64

import httpx
import pytest
from sqlalchemy import func, select

from darkroom.db.models import Image, Location
from tests import images as samples
from tests.api.procore.conftest import PROJECT, Procore, assert_error, data_of, make_image
from tests.conftest import record_writes
from tests.unsent_body import answer_without_body

IMAGES = f"/rest/v1.0/images?project_id={PROJECT}"


def _list(api: httpx.Client, query: dict[str, str]) -> httpx.Response:
    return api.get("/rest/v1.0/images", params={"project_id": PROJECT, **query})


LOCATIONS = f"/rest/v1.0/projects/{PROJECT}/locations"
INT64_MAX = 2**63 - 1


def _count(procore: Procore, model: type[Image] | type[Location]) -> int:
    with procore.runtime.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- location tiers -------------------------------------------------------------------------------


def test_four_thousand_location_tiers_are_refused_before_any_write(
    procore: Procore, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiers = [f"Tier {n}" for n in range(4000)]
    url = f"{LOCATIONS}/find_or_create_by_path"
    writes = record_writes(procore.runtime, monkeypatch)
    # What entering the project for a write costs, with a body refused before any work:
    assert_error(api.post(url, json={"location": {}}), 400, "path is required")
    entering = len(writes)
    response = api.post(url, json={"location": {"path": tiers}})
    assert_error(response, 422, "at most 32 tiers")
    assert len(writes) == 2 * entering  # entering the project again, and nothing else
    assert _count(procore, Location) == 0


def test_four_thousand_mt_location_tiers_on_an_image_are_refused_before_any_write(
    procore: Procore, api: httpx.Client
) -> None:
    tiers = [f"T{n}" for n in range(4000)]
    response = api.post(IMAGES, json={"image": {"data": data_of(), "mt_location": tiers}})
    body = assert_error(response, 422, "at most 32 tiers")
    assert body["errors"] == {"mt_location": [body["message"]]}
    assert _count(procore, Location) == 0
    assert _count(procore, Image) == 0


def test_thirty_two_tiers_are_accepted(api: httpx.Client) -> None:
    tiers = [f"T{n}" for n in range(32)]
    response = api.post(f"{LOCATIONS}/find_or_create_by_path", json={"location": {"path": tiers}})
    assert response.status_code == 201, response.text


def test_a_tier_name_longer_than_255_characters_is_refused(
    procore: Procore, api: httpx.Client
) -> None:
    response = api.post(
        f"{LOCATIONS}/find_or_create_by_path", json={"location": {"path": ["B", "x" * 256]}}
    )
    assert_error(response, 422, "at most 255 characters")
    assert _count(procore, Location) == 0


def test_a_location_path_longer_than_the_path_bound_is_refused(
    procore: Procore, api: httpx.Client
) -> None:
    tiers = ["x" * 250] * 9  # 9 tiers of 250, joined by " > ": over 2048 characters
    response = api.post(f"{LOCATIONS}/find_or_create_by_path", json={"location": {"path": tiers}})
    assert_error(response, 422, "at most 2048 characters")
    assert _count(procore, Location) == 0


def test_nesting_one_node_at_a_time_stops_at_the_path_bound(api: httpx.Client) -> None:
    parent = None
    for _ in range(8):
        node = {"node_name": "y" * 250, "parent_id": parent}
        response = api.post(LOCATIONS, json={"location": node})
        assert response.status_code == 201, response.text
        parent = response.json()["id"]
    response = api.post(LOCATIONS, json={"location": {"node_name": "y" * 250, "parent_id": parent}})
    assert_error(response, 422, "at most 2048 characters")


# --- filters ----------------------------------------------------------------------------------


def test_location_id_filter_of_many_small_ranges_is_refused(api: httpx.Client) -> None:
    """Each range spans under the span cap; together they name far more ids than allowed."""
    ranges = ",".join(f"{n * 10_000}...{n * 10_000 + 9_998}" for n in range(20))
    response = _list(api, {"filters[location_id]": ranges})
    assert_error(response, 400, "at most 10000 items")


def test_trade_ids_filter_of_two_thousand_ids_is_refused(api: httpx.Client) -> None:
    trades = ",".join(str(n) for n in range(1, 2001))
    response = _list(api, {"filters[trade_ids]": trades})
    assert_error(response, 400, "at most 1000 items")


def test_two_thousand_trade_ids_in_a_body_are_refused(procore: Procore, api: httpx.Client) -> None:
    body = {"image": {"data": data_of(), "trade_ids": list(range(1, 2001))}}
    assert_error(api.post(IMAGES, json=body), 422, "at most 1000 items")
    assert _count(procore, Image) == 0


# --- JSON -------------------------------------------------------------------------------------


def test_deeply_nested_json_is_a_400_not_a_500(api: httpx.Client) -> None:
    nested = '{"image": ' + "[" * 10_000 + "]" * 10_000 + "}"
    response = api.post(IMAGES, content=nested, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "nested deeper than 32")


def test_deeply_nested_json_in_an_update_is_a_400(api: httpx.Client) -> None:
    image = make_image(api)
    nested = '{"image": {"description": ' + "[" * 5000 + "]" * 5000 + "}}"
    response = api.patch(
        f"/rest/v1.0/images/{image['id']}?project_id={PROJECT}",
        content=nested,
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 400, "nested deeper")


@pytest.mark.parametrize("key", ["image_category_id", "location_id", "trade_ids"])
def test_integer_above_int64_in_a_procore_body_is_a_422(api: httpx.Client, key: str) -> None:
    value = f"[{INT64_MAX + 1}]" if key == "trade_ids" else str(INT64_MAX + 1)
    body = f'{{"image": {{"data": "{data_of()}", "{key}": {value}}}}}'
    response = api.post(IMAGES, content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 422, "64 bits")


def test_integer_above_int64_as_an_album_cover_is_a_422(procore: Procore) -> None:
    manager = procore.client("manager")
    body = f'{{"image_category": {{"name": "C", "album_cover_id": {INT64_MAX + 1}}}}}'
    response = manager.post(
        f"/rest/v1.0/image_categories?project_id={PROJECT}",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 422, "64 bits")


def test_integer_of_five_thousand_digits_is_a_422_not_a_500(api: httpx.Client) -> None:
    body = '{"image": {"location_id": ' + "9" * 5000 + "}}"
    response = api.post(IMAGES, content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 422, "64 bits")


def test_a_json_body_over_its_byte_bound_is_a_413(procore: Procore) -> None:
    manager = procore.client("manager")
    name = "x" * (1024 * 1024)
    response = manager.post(
        f"/rest/v1.0/image_categories?project_id={PROJECT}",
        json={"image_category": {"name": name}},
    )
    assert_error(response, 413)


# --- text fields ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a\x00b", "a\x07b", "x" * 256])
def test_bad_image_name_is_refused(procore: Procore, api: httpx.Client, text: str) -> None:
    response = api.post(IMAGES, json={"image_name": text, "image": {"data": data_of()}})
    assert_error(response, 422, "image_name")
    assert _count(procore, Image) == 0


def test_nul_in_a_description_is_refused(procore: Procore, api: httpx.Client) -> None:
    response = api.post(IMAGES, json={"image": {"data": data_of(), "description": "a\x00"}})
    assert_error(response, 422, "description must not contain control characters")
    assert _count(procore, Image) == 0


def test_a_description_keeps_its_line_breaks(api: httpx.Client) -> None:
    created = make_image(api, description="first line\nsecond line\ttabbed")
    assert created["description"] == "first line\nsecond line\ttabbed"


def test_a_lone_surrogate_in_a_category_name_is_refused(procore: Procore) -> None:
    manager = procore.client("manager")
    response = manager.post(
        f"/rest/v1.0/image_categories?project_id={PROJECT}",
        content='{"image_category": {"name": "a\\ud800"}}',
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 422, "name must not contain control characters")


def test_nul_in_a_search_filter_is_a_400(api: httpx.Client) -> None:
    response = _list(api, {"filters[query]": "a\x00"})
    assert_error(response, 400, "control characters")


# --- bodies read only after what can be checked first -------------------------------------------


def test_storage_post_for_an_unknown_upload_is_refused_before_the_body_is_read(
    procore: Procore,
) -> None:
    target = "/rest/v1.0/storage/uploads/00000000-0000-4000-8000-000000000000"
    answer = answer_without_body(procore.base, "POST", target)
    assert_error(answer, 404)


def test_image_create_by_a_stranger_is_refused_before_the_body_is_read(procore: Procore) -> None:
    answer = answer_without_body(
        procore.base,
        "POST",
        IMAGES,
        {"Authorization": "Bearer not-a-token", "Procore-Company-Id": "1"},
    )
    assert_error(answer, 401)


def test_gif_with_huge_logical_screen_is_refused_by_procore(
    procore: Procore, api: httpx.Client
) -> None:
    data = base64.b64encode(samples.gif_on_screen(65535, 65535)).decode()
    response = api.post(IMAGES, json={"image_name": "screen.gif", "image": {"data": data}})
    assert_error(response, 413, "65535x65535")
    assert _count(procore, Image) == 0


def test_a_create_body_of_millions_of_values_is_a_400(api: httpx.Client) -> None:
    """A JSON create may be as large as a base64 upload; its values are still bounded."""
    body = '{"image": {"data": "x", "junk": [' + "[]," * 200_000 + "[]]}}"
    response = api.post(IMAGES, content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "more than 50000 values")
