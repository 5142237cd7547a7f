"""``GET /rest/v1.0/images``: every filter in both wire forms, every sort, paging headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.api.procore.conftest import (
    PROJECT,
    Procore,
    assert_error,
    ids,
    make_image,
    qs,
)

Placed = dict[str, dict[str, Any]]


def _list(api: httpx.Client, *pairs: tuple[str, object]) -> list[int]:
    return ids(api.get(f"/rest/v1.0/images?{qs(('project_id', PROJECT), *pairs)}"))


def _rails(api: httpx.Client, key: str, values: list[object]) -> list[int]:
    """``filters[key][]=a&filters[key][]=b``: Procore's documented array form."""
    array = "&".join(f"{qs((f'filters[{key}][]', v))}" for v in values)
    return ids(api.get(f"/rest/v1.0/images?project_id={PROJECT}&{array}"))


def _day(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def three(procore: Procore, api: httpx.Client) -> list[int]:
    """Images created on Jan 1, 2 and 3, 2024 (noon UTC), oldest first."""
    made = [make_image(api, seed=n)["id"] for n in range(3)]
    for n, image_id in enumerate(made, start=1):
        procore.set_created(image_id, _day(n))
    return made


# --- log_date ------------------------------------------------------------------------------------


def test_filter_log_date_single_day(api: httpx.Client) -> None:
    make_image(api, log_date="2024-01-01")
    wanted = make_image(api, seed=1, log_date="2024-01-02")["id"]
    assert _list(api, ("filters[log_date]", "2024-01-02")) == [wanted]


def test_filter_log_date_range_is_inclusive(api: httpx.Client) -> None:
    first = make_image(api, log_date="2024-01-02")["id"]
    second = make_image(api, seed=1, log_date="2024-01-05")["id"]
    make_image(api, seed=2, log_date="2024-01-06")
    found = _list(api, ("filters[log_date]", "2024-01-02...2024-01-05"))
    assert sorted(found) == [first, second]


# --- created_at, updated_at ----------------------------------------------------------------------


def test_filter_created_at_single_date_is_that_utc_day(api: httpx.Client, three: list[int]) -> None:
    assert _list(api, ("filters[created_at]", "2024-01-02")) == [three[1]]


def test_filter_created_at_date_range(api: httpx.Client, three: list[int]) -> None:
    assert _list(api, ("filters[created_at]", "2024-01-02...2024-01-03")) == [three[2], three[1]]


def test_filter_created_at_utc_datetime_range(api: httpx.Client, three: list[int]) -> None:
    span = "2024-01-01T00:00:00Z...2024-01-02T11:59:59Z"
    assert _list(api, ("filters[created_at]", span)) == [three[0]]


def test_filter_created_at_range_with_offsets(api: httpx.Client, three: list[int]) -> None:
    # 13:00+02:00 is 11:00Z on Jan 2: noon of Jan 2 is after it.
    span = "2024-01-01T00:00:00+02:00...2024-01-02T13:00:00+02:00"
    assert _list(api, ("filters[created_at]", span)) == [three[0]]


def test_filter_updated_at_single_date(
    procore: Procore, api: httpx.Client, three: list[int]
) -> None:
    procore.set_updated(three[0], _day(9))
    assert _list(api, ("filters[updated_at]", "2024-01-09")) == [three[0]]


def test_filter_updated_at_range(procore: Procore, api: httpx.Client, three: list[int]) -> None:
    procore.set_updated(three[2], _day(20))
    assert _list(api, ("filters[updated_at]", "2024-01-15...2024-01-31")) == [three[2]]


# --- private, starred ----------------------------------------------------------------------------


def test_filter_private_true_lists_only_private(api: httpx.Client) -> None:
    make_image(api)
    secret = make_image(api, seed=1, private=True)["id"]
    assert _list(api, ("filters[private]", True)) == [secret]


def test_filter_private_false_applies_no_filter(api: httpx.Client) -> None:
    plain, secret = make_image(api)["id"], make_image(api, seed=1, private=True)["id"]
    assert _list(api, ("filters[private]", False)) == [secret, plain]


def test_filter_starred_true_lists_only_starred(api: httpx.Client) -> None:
    make_image(api)
    starred = make_image(api, seed=1, starred=True)["id"]
    assert _list(api, ("filters[starred]", True)) == [starred]


def test_filter_starred_false_applies_no_filter(api: httpx.Client) -> None:
    plain, starred = make_image(api)["id"], make_image(api, seed=1, starred=True)["id"]
    assert _list(api, ("filters[starred]", False)) == [starred, plain]


# --- location_id, include_sublocations -----------------------------------------------------------


@pytest.fixture
def placed(api: httpx.Client) -> Placed:
    """Images at B1, B1 > F1, B1 > F1 > R1 and B2."""
    return {
        "b1": make_image(api, seed=1, mt_location=["B1"]),
        "f1": make_image(api, seed=2, mt_location=["B1", "F1"]),
        "r1": make_image(api, seed=3, mt_location=["B1", "F1", "R1"]),
        "b2": make_image(api, seed=4, mt_location=["B2"]),
    }


def _loc(image: dict[str, Any]) -> int:
    location = image["location"]
    assert isinstance(location, dict)
    location_id: int = location["id"]
    return location_id


def _ids_of(placed: Placed, *names: str) -> list[int]:
    return sorted(int(str(placed[name]["id"])) for name in names)


def test_filter_location_id_comma_separated(api: httpx.Client, placed: Placed) -> None:
    wanted = [_loc(placed["b1"]), _loc(placed["b2"])]
    assert sorted(_list(api, ("filters[location_id]", wanted))) == _ids_of(placed, "b1", "b2")


def test_filter_location_id_rails_array(api: httpx.Client, placed: Placed) -> None:
    wanted = [_loc(placed["f1"]), _loc(placed["b2"])]
    assert sorted(_rails(api, "location_id", wanted)) == _ids_of(placed, "f1", "b2")


def test_filter_location_id_range_of_ids(api: httpx.Client, placed: Placed) -> None:
    span = f"{_loc(placed['b1'])}...{_loc(placed['f1'])}"
    assert sorted(_list(api, ("filters[location_id]", span))) == _ids_of(placed, "b1", "f1")


def test_filter_location_id_without_sublocations_is_exact(
    api: httpx.Client, placed: Placed
) -> None:
    assert _list(api, ("filters[location_id]", _loc(placed["f1"]))) == _ids_of(placed, "f1")


def test_filter_location_id_with_sublocations_matches_subtree(
    api: httpx.Client,
    placed: Placed,
) -> None:
    found = _list(
        api,
        ("filters[location_id]", _loc(placed["b1"])),
        ("filters[include_sublocations]", True),
    )
    assert sorted(found) == _ids_of(placed, "b1", "f1", "r1")


# --- trade_ids, id, image_category_id ------------------------------------------------------------


@pytest.fixture
def tagged(procore: Procore, api: httpx.Client) -> dict[str, int]:
    manager = procore.client("manager")
    trade = {
        name: manager.post("/rest/v1.0/companies/1/trades", json={"trade": {"name": name}}).json()[
            "id"
        ]
        for name in ("Steel", "Glass", "Wood")
    }
    return {
        "steel": make_image(api, seed=1, trade_ids=[trade["Steel"]])["id"],
        "glass": make_image(api, seed=2, trade_ids=[trade["Glass"], trade["Steel"]])["id"],
        "wood": make_image(api, seed=3, trade_ids=[trade["Wood"]])["id"],
        **{f"trade:{k}": v for k, v in trade.items()},
    }


def test_filter_trade_ids_comma_separated_matches_any(
    api: httpx.Client, tagged: dict[str, int]
) -> None:
    found = _list(api, ("filters[trade_ids]", [tagged["trade:Glass"], tagged["trade:Wood"]]))
    assert sorted(found) == sorted([tagged["glass"], tagged["wood"]])


def test_filter_trade_ids_rails_array(api: httpx.Client, tagged: dict[str, int]) -> None:
    found = _rails(api, "trade_ids", [tagged["trade:Steel"]])
    assert sorted(found) == sorted([tagged["steel"], tagged["glass"]])


def test_filter_id_comma_separated(api: httpx.Client, three: list[int]) -> None:
    assert _list(api, ("filters[id]", [three[0], three[2]])) == [three[2], three[0]]


def test_filter_id_rails_array(api: httpx.Client, three: list[int]) -> None:
    assert _rails(api, "id", [three[1]]) == [three[1]]


def test_filter_image_category_id_lists_that_album(api: httpx.Client) -> None:
    album = api.post(
        f"/rest/v1.0/image_categories?project_id={PROJECT}",
        json={"image_category": {"name": "Roof", "private": False}},
    ).json()["id"]
    make_image(api)
    inside = make_image(api, seed=1, image_category_id=album)["id"]
    assert _list(api, ("image_category_id", album)) == [inside]


# --- query ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attrs", "text"),
    [
        ({"description": "Crack in slab"}, "CRACK"),
        ({"mt_location": ["Tower A", "Level 3"]}, "level 3"),
        ({"description": "a b&c"}, "a b&c"),
    ],
)
def test_filter_query_searches_description_and_location(
    api: httpx.Client, attrs: dict[str, object], text: str
) -> None:
    make_image(api, description="unrelated")
    wanted = make_image(api, seed=1, **attrs)["id"]
    assert _list(api, ("filters[query]", text)) == [wanted]


def test_filter_query_searches_file_name(api: httpx.Client) -> None:
    make_image(api, name="other.jpg")
    wanted = make_image(api, seed=1, name="facade-north.jpg")["id"]
    assert _list(api, ("filters[query]", "facade")) == [wanted]


def test_filters_combine_with_and(api: httpx.Client) -> None:
    make_image(api, starred=True, description="roof")
    make_image(api, seed=1, private=True, description="roof")
    wanted = make_image(api, seed=2, starred=True, private=True, description="roof")["id"]
    found = _list(api, ("filters[starred]", True), ("filters[private]", True))
    assert found == [wanted]


def test_full_generated_client_request_is_understood(api: httpx.Client) -> None:
    url = (
        f"/rest/v1.0/images?project_id={PROJECT}&page=1&per_page=5"
        "&filters%5Blog_date%5D=2024-01-02&filters%5Bprivate%5D=true&filters%5Bstarred%5D=false"
        "&filters%5Blocation_id%5D=4,5&filters%5Binclude_sublocations%5D=true"
        "&filters%5Btrade_ids%5D=1,2&filters%5Bquery%5D=a%20b%26c"
        "&filters%5Bcreated_at%5D=2024-01-01&filters%5Bupdated_at%5D=2024-01-03"
        "&filters%5Bid%5D=7,8&sort=-created_at&serializer_view=normal"
    )
    response = api.get(url)
    assert (response.status_code, response.json()) == (200, [])


# --- bad values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("filters[log_date]", "2024-13-01"),
        ("filters[log_date]", "2024-01-05...2024-01-02"),
        ("filters[created_at]", "yesterday"),
        ("filters[updated_at]", "2024-01-01...soon"),
        ("filters[private]", "perhaps"),
        ("filters[starred]", "2"),
        ("filters[location_id]", "4,x"),
        ("filters[include_sublocations]", "maybe"),
        ("filters[trade_ids]", "1;2"),
        ("filters[id]", "1.5"),
        ("filters[include_deleted]", "everything"),
        ("image_category_id", "roof"),
        ("sort", "size"),
        ("page", "0"),
        ("page", "two"),
        ("per_page", "many"),
    ],
)
def test_list_with_bad_value_returns_400_naming_the_parameter(
    api: httpx.Client, key: str, value: str
) -> None:
    response = api.get(f"/rest/v1.0/images?{qs(('project_id', PROJECT), (key, value))}")
    body = assert_error(response, 400, key)
    assert list(body["errors"]) == [key]


# --- sort ----------------------------------------------------------------------------------------


@pytest.fixture
def dated(procore: Procore, three: list[int]) -> list[int]:
    """``three``, with taken_at in reverse order of creation (the oldest taken last)."""
    for n, image_id in enumerate(three):
        procore.set_taken(image_id, _day(10 - n))
    return three


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("created_at", [0, 1, 2]),
        ("-created_at", [2, 1, 0]),
        ("most_recent", [2, 1, 0]),
        ("-most_recent", [0, 1, 2]),
        ("taken_at", [2, 1, 0]),
        ("-taken_at", [0, 1, 2]),
        ("exposure_date", [2, 1, 0]),
        ("-exposure_date", [0, 1, 2]),
        ("id", [0, 1, 2]),
        ("taken_at,-id", [2, 1, 0]),
    ],
)
def test_sort_orders_images(
    api: httpx.Client, dated: list[int], sort: str, order: list[int]
) -> None:
    assert _list(api, ("sort", sort)) == [dated[n] for n in order]


@pytest.mark.parametrize("sort", ["deleted_at", "-deleted_at"])
def test_sort_by_deleted_at_orders_the_bin(api: httpx.Client, three: list[int], sort: str) -> None:
    for image_id in (three[1], three[0]):  # binned in this order
        api.delete(f"/rest/v1.0/images/{image_id}?project_id={PROJECT}")
    found = _list(api, ("filters[include_deleted]", "only"), ("sort", sort))
    assert found == ([three[1], three[0]] if sort == "deleted_at" else [three[0], three[1]])


def test_default_sort_is_newest_first_then_highest_id(procore: Procore, api: httpx.Client) -> None:
    made = [make_image(api, seed=n)["id"] for n in range(3)]
    for image_id in made:
        procore.set_created(image_id, _day(1))
    assert _list(api) == sorted(made, reverse=True)


# --- paging --------------------------------------------------------------------------------------


def _links(response: httpx.Response) -> dict[str, str]:
    header = response.headers.get("link", "")
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


@pytest.fixture
def five(api: httpx.Client) -> list[int]:
    return [make_image(api, seed=n)["id"] for n in range(5)]


def _page(api: httpx.Client, page: int) -> httpx.Response:
    query = qs(("project_id", PROJECT), ("filters[query]", "a"), ("page", page), ("per_page", 2))
    return api.get(f"/rest/v1.0/images?{query}")


def test_first_page_has_next_and_last_links(api: httpx.Client, five: list[int]) -> None:
    response = _page(api, 1)
    assert (response.headers["total"], response.headers["per-page"]) == ("5", "2")
    links = _links(response)
    assert set(links) == {"next", "last"}
    assert links["next"].startswith(api.base_url.scheme + "://")
    assert "page=2" in links["next"] and "page=3" in links["last"]
    assert "filters%5Bquery%5D=a" in links["next"] and "per_page=2" in links["next"]


def test_middle_page_has_all_four_links(api: httpx.Client, five: list[int]) -> None:
    response = _page(api, 2)
    assert response.json() and len(response.json()) == 2
    links = _links(response)
    assert set(links) == {"first", "prev", "next", "last"}
    assert "page=1" in links["first"] and "page=1" in links["prev"] and "page=3" in links["next"]


def test_last_page_has_no_next_link(api: httpx.Client, five: list[int]) -> None:
    response = _page(api, 3)
    assert ids(response) == [five[0]]
    assert set(_links(response)) == {"first", "prev"}


def test_link_followed_returns_the_next_page(api: httpx.Client, five: list[int]) -> None:
    first = _page(api, 1)
    second = api.get(_links(first)["next"])
    assert ids(first) + ids(second) == list(reversed(five))[:4]


def test_page_past_the_end_is_an_empty_array(api: httpx.Client, five: list[int]) -> None:
    response = _page(api, 9)
    assert response.json() == []
    assert response.headers["total"] == "5"


def test_per_page_is_clamped_to_1000(api: httpx.Client) -> None:
    response = api.get(f"/rest/v1.0/images?project_id={PROJECT}&per_page=5000")
    assert response.headers["per-page"] == "1000"


def test_per_page_defaults_to_100_and_empty_list_is_an_array(api: httpx.Client) -> None:
    response = api.get(f"/rest/v1.0/images?project_id={PROJECT}")
    assert (response.json(), response.headers["per-page"], response.headers["total"]) == (
        [],
        "100",
        "0",
    )
    assert "link" not in response.headers
