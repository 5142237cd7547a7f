"""A database out of reach answers 503 with ``Retry-After`` in each door's error shape, not 500.

The server here runs against a PostgreSQL URL whose socket folder does not exist, so every
request that touches the database fails to connect at once (``OperationalError``), as it does
while a real database is down. The cluster test (tests/cluster) stops and restarts a real one.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from darkroom.api.common import outages
from darkroom.api.common.doors import Door, DoorRegistry
from darkroom.api.cyclos.errors import render as cyclos_render
from darkroom.api.moov.errors import render_error as moov_render
from darkroom.api.procore.errors import render_error as procore_render
from darkroom.app import create_app
from darkroom.config import Settings
from darkroom.core.runtime import open_runtime
from darkroom.db import outages as database_outages
from darkroom.errors import Unavailable
from tests.live import serve

DOWN_URL = "postgresql+psycopg://postgres@/darkroom?host=/nonexistent-darkroom-socket&port=5432"
BASIC = "Basic " + base64.b64encode(b"root:secret").decode()
PROCORE_HEADERS = {"Authorization": "Bearer some-token", "Procore-Company-Id": "1"}


@pytest.fixture(scope="module")
def down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A real server whose database cannot be reached."""
    folder: Path = tmp_path_factory.mktemp("outage")
    rt = open_runtime(
        Settings(data_dir=folder / "data", database_url=DOWN_URL, storage_url="memory://")
    )
    try:
        with serve(create_app(runtime=rt)) as url, httpx.Client(base_url=url, timeout=10) as http:
            yield http
    finally:
        rt.close()


def _unavailable(response: httpx.Response) -> Any:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


# --- each door, over HTTP ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/accounts/acct1/images", "/accounts/acct1/images/abc"],
    ids=["list", "metadata"],
)
def test_moov_account_route_answers_503_with_error_and_request_id(
    down: httpx.Client, path: str
) -> None:
    response = down.get(path, headers={"Authorization": BASIC})
    assert _unavailable(response) == {"error": "the database cannot be reached; try again"}
    assert response.headers["x-request-id"]


def test_moov_public_image_answers_503_with_error(down: httpx.Client) -> None:
    body = _unavailable(down.get("/images/0123456789abcdef0123456789abcdef?size=10x10"))
    assert body == {"error": "the database cannot be reached; try again"}


def test_moov_upload_answers_503_before_reading_the_body(down: httpx.Client) -> None:
    files = {"image": ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")}
    response = down.post("/accounts/acct1/images", headers={"Authorization": BASIC}, files=files)
    assert set(_unavailable(response)) == {"error"}


@pytest.mark.parametrize(
    "path", ["/rest/v1.0/images?project_id=10", "/rest/v1.0/images/5?project_id=10"]
)
def test_procore_answers_503_with_error_and_message(down: httpx.Client, path: str) -> None:
    response = down.get(path, headers=PROCORE_HEADERS)
    message = "the database cannot be reached; try again"
    assert _unavailable(response) == {"error": message, "message": message}
    assert response.headers["content-type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/api/images/abc", {}),
        ("GET", "/api/images/content/abc", {}),
        ("GET", "/api/self/images", {"Authorization": BASIC}),
    ],
    ids=["view", "content", "list"],
)
def test_cyclos_answers_503_with_its_error_shape(
    down: httpx.Client, method: str, path: str, headers: dict[str, str]
) -> None:
    body = _unavailable(down.request(method, path, headers=headers))
    assert body == {
        "kind": "general",
        "exceptionType": "Unavailable",
        "exceptionMessage": "the database cannot be reached; try again",
    }


def test_admin_answers_503_with_plain_error(down: httpx.Client) -> None:
    response = down.get("/admin/v1/users/alice/ads", headers={"Authorization": BASIC})
    assert _unavailable(response) == {"error": "the database cannot be reached; try again"}


def test_readiness_still_reports_the_database(down: httpx.Client) -> None:
    response = down.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("error: ")


# --- the renderers, one Unavailable each ----------------------------------------------------------


@pytest.mark.parametrize("render", [moov_render, procore_render, cyclos_render])
def test_every_door_renders_unavailable_as_503(render: Any) -> None:
    assert render(Unavailable("storage")).status_code == 503


# --- which database errors are outages ------------------------------------------------------------


def _dbapi(cls: type[DBAPIError], *, invalidated: bool = False) -> DBAPIError:
    return cls("SELECT 1", {}, Exception("boom"), connection_invalidated=invalidated)


@pytest.mark.parametrize(
    "error",
    [
        _dbapi(OperationalError),
        _dbapi(InterfaceError),
        _dbapi(DBAPIError, invalidated=True),
        _dbapi(IntegrityError, invalidated=True),
        PoolTimeout("QueuePool limit reached"),
    ],
    ids=["operational", "interface", "invalidated", "invalidated-integrity", "pool-timeout"],
)
def test_connection_level_errors_are_outages(error: Exception) -> None:
    outage = database_outages.unavailable(error)
    assert isinstance(outage, Unavailable)
    assert outage.service == "database"
    assert isinstance(error, database_outages.CAUSES)


@pytest.mark.parametrize(
    "error",
    [_dbapi(IntegrityError), _dbapi(DBAPIError), ValueError("no")],
    ids=["integrity", "dbapi", "other"],
)
def test_other_errors_are_not_outages(error: Exception) -> None:
    assert database_outages.unavailable(error) is None


def test_a_database_error_that_is_no_outage_stays_a_500() -> None:
    app = FastAPI()

    @app.get("/x")
    def broken() -> None:
        raise _dbapi(IntegrityError)

    outages.install(
        app,
        DoorRegistry(default=Door(name="test", prefixes=("/",))),
        causes=database_outages.CAUSES,
        translate=database_outages.unavailable,
    )
    with serve(app) as url:
        assert httpx.get(f"{url}/x").status_code == 500
