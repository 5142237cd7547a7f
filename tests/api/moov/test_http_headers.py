"""Door-wide headers: X-Moov-Version in every accepted form, x-request-id, JSON on every error."""

from __future__ import annotations

import uuid

import httpx
import pytest

from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.api.moov.conftest import ACCOUNT

IMAGES = f"/accounts/{ACCOUNT}/images"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Moov-Version": "v2026.07.00"},
        {"x-moov-version": "v2024.01.00"},
        {"X-MOOV-VERSION": "v2026.10.00"},
        {"X-Moov-Version": "v2026.08.00"},  # between releases: the one before it applies
        {"X-Moov-Version": "latest"},
        {"X-Moov-Version": "dev"},
    ],
    ids=["absent", "current", "lower-case", "upper-case", "unreleased", "latest", "dev"],
)
def test_accepted_moov_version_reaches_the_operation(
    http: httpx.Client, headers: dict[str, str]
) -> None:
    answer = http.get(IMAGES, headers=headers)
    assert answer.status_code == 200
    assert answer.json() == []


@pytest.mark.parametrize("version", ["2022", "v2026.7.0", "v2026.13.00", "vlatest", "v2026.07"])
def test_malformed_moov_version_returns_404_json(http: httpx.Client, version: str) -> None:
    answer = http.get(IMAGES, headers={"X-Moov-Version": version})
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert "X-Moov-Version" in answer.json()["error"]


def test_malformed_moov_version_on_the_public_route_returns_404(http: httpx.Client) -> None:
    answer = http.get("/images/anything", headers={"X-Moov-Version": "2022"})
    assert answer.status_code == 404
    assert "X-Moov-Version" in answer.json()["error"]


@pytest.mark.parametrize(
    ("method", "path", "auth", "status"),
    [
        ("GET", IMAGES, True, 200),
        ("GET", IMAGES, False, 401),
        ("GET", f"{IMAGES}/unknown", True, 404),
        ("POST", f"{IMAGES}/unknown", True, 405),
        ("GET", "/images/unknown", False, 404),
        ("GET", "/accounts/x/elsewhere", False, 404),
    ],
    ids=["success", "unauthorized", "not-found", "method", "public", "no-route"],
)
def test_every_response_carries_a_uuid_request_id(
    server: str, admin: tuple[str, str], method: str, path: str, auth: bool, status: int
) -> None:
    answer = httpx.request(method, f"{server}{path}", auth=admin if auth else None)
    assert answer.status_code == status
    assert uuid.UUID(answer.headers["x-request-id"])
    assert len(answer.headers.get_list("x-request-id")) == 1
    assert answer.headers["content-type"] == "application/json"


def test_request_ids_differ_between_requests(http: httpx.Client) -> None:
    first, second = http.get(IMAGES), http.get(IMAGES)
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_unauthorized_answer_asks_for_basic_credentials(server: str, admin: object) -> None:
    answer = httpx.get(f"{server}{IMAGES}")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Basic")


def test_unsupported_method_returns_405_with_allow(http: httpx.Client) -> None:
    answer = http.post(f"{IMAGES}/some-id/metadata")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "PUT"
    assert answer.json() == {"error": "method not allowed"}


def test_link_uses_the_configured_public_url(http: httpx.Client, api_runtime: Runtime) -> None:
    api_runtime.settings.public_url = "https://images.example.com/"
    answer = http.post(IMAGES, files={"image": ("a.png", samples.png())})
    public_id = answer.json()["publicID"]
    assert answer.json()["link"] == f"https://images.example.com/images/{public_id}"
