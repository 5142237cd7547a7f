"""Company trades (D11): ``GET``/``POST /rest/v1.0/companies/{company_id}/trades``."""

from __future__ import annotations

from tests.api.procore.conftest import (
    COMPANY,
    OTHER_COMPANY,
    PROJECT,
    Procore,
    assert_error,
    data_of,
)

TRADES = f"/rest/v1.0/companies/{COMPANY}/trades"


def test_trade_list_of_a_new_company_holds_general(procore: Procore) -> None:
    response = procore.client().get(TRADES)
    assert response.status_code == 200
    assert [(t["name"], t["active"]) for t in response.json()] == [("General", True)]
    assert response.headers["total"] == "1"


def test_trade_create_by_manager_returns_201(procore: Procore) -> None:
    manager = procore.client("manager")
    response = manager.post(TRADES, json={"trade": {"name": "Electrical", "active": False}})
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["name"], created["active"]) == ("Electrical", False)
    assert created["id"] in [t["id"] for t in manager.get(TRADES).json()]


def test_trade_create_by_member_returns_403(procore: Procore) -> None:
    response = procore.client().post(TRADES, json={"trade": {"name": "Plumbing"}})
    assert_error(response, 403, "managers")


def test_trade_create_without_name_returns_422(procore: Procore) -> None:
    response = procore.client("manager").post(TRADES, json={"trade": {}})
    assert_error(response, 422, "name")


def test_trade_create_without_trade_object_returns_400(procore: Procore) -> None:
    assert_error(procore.client("manager").post(TRADES, json={"name": "x"}), 400, "trade")


def test_trade_list_of_company_without_grant_returns_403(procore: Procore) -> None:
    client = procore.client(company=OTHER_COMPANY)
    assert_error(client.get(f"/rest/v1.0/companies/{OTHER_COMPANY}/trades"), 403)


def test_trade_of_another_company_is_unknown_on_images(procore: Procore) -> None:
    outsider = procore.client("outsider", OTHER_COMPANY)
    foreign = outsider.get(f"/rest/v1.0/companies/{OTHER_COMPANY}/trades").json()[0]["id"]
    response = procore.client().post(
        f"/rest/v1.0/images?project_id={PROJECT}",
        json={"image": {"data": data_of(), "trade_ids": [foreign]}},
    )
    assert_error(response, 422, "trade")
