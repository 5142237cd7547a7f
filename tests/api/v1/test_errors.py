"""Every ``/v1`` refusal has the one error body ``{"error": {"code", "message", "field"}}``,
whoever refuses: core, the door's parsers, or the framework (no route, wrong method); and a lost
database answers 503 with ``Retry-After`` in that shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from darkroom.app import create_app
from darkroom.config import Settings
from darkroom.core.runtime import open_runtime
from tests.api.v1.conftest import Client, error_of
from tests.live import serve

DOWN_URL = "postgresql+psycopg://postgres@/darkroom?host=/nonexistent-darkroom-socket&port=5432"


def test_an_unknown_path_is_404_not_found(alice: Client) -> None:
    answer = alice.get("/v1/no-such-thing")
    assert answer.status_code == 404
    assert error_of(answer)["code"] == "not_found"


def test_a_wrong_method_is_405_with_allow(alice: Client) -> None:
    answer = alice.put("/v1/me")
    assert answer.status_code == 405
    assert error_of(answer)["code"] == "method_not_allowed"
    assert "GET" in answer.headers["allow"]


def test_a_body_that_is_not_json_is_400_bad_json(alice: Client) -> None:
    answer = alice.post(
        f"/v1/spaces/{alice.space}/albums",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "bad_json"


def test_a_body_that_is_not_an_object_is_400_invalid(alice: Client) -> None:
    answer = alice.post(f"/v1/spaces/{alice.space}/albums", json=["Holidays"])
    assert answer.status_code == 400
    assert error_of(answer) == {
        "code": "invalid",
        "message": "the body must be a JSON object",
        "field": "body",
    }


def test_an_unknown_body_field_is_400_naming_it(alice: Client) -> None:
    answer = alice.post(f"/v1/spaces/{alice.space}/albums", json={"name": "a", "colour": "red"})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "colour"


def test_a_field_of_the_wrong_type_is_400_naming_it(alice: Client) -> None:
    answer = alice.post(f"/v1/spaces/{alice.space}/albums", json={"name": 7})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "name"


def test_a_bad_query_value_is_400_naming_the_parameter(alice: Client) -> None:
    answer = alice.get("/v1/images", params={"starred": "maybe"})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "starred"


def test_a_malformed_image_id_is_404(alice: Client) -> None:
    answer = alice.get("/v1/images/abc")
    assert answer.status_code == 404
    assert error_of(answer)["code"] == "not_found"


def test_a_malformed_space_id_is_400(alice: Client) -> None:
    answer = alice.get("/v1/spaces/nocolon/albums")
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "space"


def test_an_unknown_space_is_404(alice: Client) -> None:
    answer = alice.get("/v1/spaces/moov-account:nobody/albums")
    assert answer.status_code == 404
    assert error_of(answer)["code"] == "not_found"


def test_no_v1_error_has_fastapis_detail_key(alice: Client) -> None:
    answers = [
        alice.get("/v1/nothing"),
        alice.put("/v1/me"),
        alice.get("/v1/images", params={"limit": "x"}),
        alice.post("/v1/session", content=b"]"),
    ]
    for answer in answers:
        assert "detail" not in answer.json()
        assert answer.status_code >= 400


@pytest.fixture(scope="module")
def down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A real server whose database cannot be reached (its PostgreSQL socket does not exist)."""
    folder: Path = tmp_path_factory.mktemp("v1-outage")
    rt = open_runtime(
        Settings(data_dir=folder / "data", database_url=DOWN_URL, storage_url="memory://")
    )
    try:
        with (
            serve(create_app(runtime=rt)) as url,
            httpx.Client(base_url=url, timeout=10) as http,
        ):
            yield http
    finally:
        rt.close()


def test_login_while_the_database_is_down_is_503_with_retry_after(down: httpx.Client) -> None:
    answer = down.post("/v1/session", json={"username": "alice", "password": "x"})
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "1"
    assert error_of(answer)["code"] == "unavailable"


def test_a_bearer_request_while_the_database_is_down_is_503(down: httpx.Client) -> None:
    answer = down.get("/v1/images", headers={"Authorization": "Bearer drk_whatever"})
    assert answer.status_code == 503
    assert error_of(answer)["code"] == "unavailable"
