"""``DARKROOM_LOG_FORMAT=json`` over real HTTP: one JSON line per request with its fields and no
secrets, and one request id per request, taken from the client when sane and always sent back."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from darkroom import logs
from darkroom.app import create_app
from darkroom.core.access import Role
from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.api.moov.conftest import ACCOUNT, create_user
from tests.live import serve

ADMIN = ("log-admin", "password-secret-2")


@dataclass
class Logged:
    base: str
    stream: io.StringIO

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def requests(self) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["logger"] == logs.REQUESTS]


@pytest.fixture
def logged(api_runtime: Runtime) -> Iterator[Logged]:
    """A server logging JSON into a buffer."""
    create_user(api_runtime, *ADMIN, role=Role.ADMIN)
    api_runtime.settings.log_format = "json"
    app = create_app(runtime=api_runtime)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("an unexpected failure")

    handler = logs.json_handler()
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    try:
        with serve(app) as base:
            yield Logged(base, stream)
    finally:
        logs.configure("text")


def test_each_request_is_one_json_line_with_its_fields(logged: Logged) -> None:
    answer = httpx.get(f"{logged.base}/healthz", headers={"X-Request-Id": "trace-7.a:b"})
    assert answer.headers["x-request-id"] == "trace-7.a:b"
    [line] = logged.requests()
    assert line == {
        "time": line["time"],
        "level": "info",
        "logger": "darkroom.requests",
        "message": "request",
        "request_id": "trace-7.a:b",
        "door": "darkroom",
        "operation": "/healthz",
        "method": "GET",
        "status": 200,
        "duration_ms": line["duration_ms"],
        "bytes_in": 0,
        "bytes_out": len(answer.content),
    }
    assert 0 <= line["duration_ms"] < 10_000


def test_lines_count_bytes_and_name_templates_not_paths(logged: Logged) -> None:
    png = samples.png(seed=3)
    answer = httpx.post(
        f"{logged.base}/accounts/{ACCOUNT}/images", auth=ADMIN, files={"image": ("a.png", png)}
    )
    assert answer.status_code == 201
    [line] = logged.requests()
    assert line["door"] == "moov"
    assert line["operation"] == "/accounts/{account_id}/images"
    assert (line["method"], line["status"]) == ("POST", 201)
    assert line["bytes_in"] > len(png)
    assert line["bytes_out"] == len(answer.content)
    assert line["request_id"] == answer.headers["x-request-id"]


def test_no_secret_reaches_the_log(logged: Logged) -> None:
    secrets = ["query-secret-1", "password-secret-2", "header-secret-3", "bearer-secret-4"]
    httpx.get(
        f"{logged.base}/accounts/{ACCOUNT}/images",
        params={"token": secrets[0], "access_token": secrets[0]},
        auth=ADMIN,
        headers={"X-Api-Token": secrets[2]},
    )
    httpx.get(
        f"{logged.base}/rest/v1.0/image_categories",
        params={"token": secrets[0]},
        headers={"Authorization": f"Bearer {secrets[3]}"},
    )
    text = logged.stream.getvalue()
    assert len(logged.requests()) == 2
    for secret in [*secrets, "token=", "Authorization", ACCOUNT]:
        assert secret not in text


@pytest.mark.parametrize(
    "given",
    ["two words", "x" * 129, 'quote"d', "tab\there", "café", ""],
    ids=["space", "too-long", "quote", "tab", "non-ascii", "empty"],
)
def test_an_insane_request_id_is_replaced_by_a_new_uuid(logged: Logged, given: str) -> None:
    answer = httpx.get(f"{logged.base}/healthz", headers={"X-Request-Id": given.encode()})
    sent = answer.headers["x-request-id"]
    assert sent != given
    assert uuid.UUID(sent)
    assert logged.requests()[-1]["request_id"] == sent


def test_moov_answers_carry_the_one_request_id(logged: Logged) -> None:
    refused = httpx.get(f"{logged.base}/accounts/{ACCOUNT}/images", headers={"X-Request-Id": "r-1"})
    assert refused.status_code == 401
    assert refused.headers.get_list("x-request-id") == ["r-1"]
    fresh = httpx.get(f"{logged.base}/images/unknown")
    assert fresh.status_code == 404
    [sent] = fresh.headers.get_list("x-request-id")
    assert logged.requests()[-1]["request_id"] == sent


def test_an_unhandled_error_is_a_500_with_the_request_id_and_a_line(logged: Logged) -> None:
    answer = httpx.get(f"{logged.base}/boom", headers={"X-Request-Id": "boom-1"})
    assert answer.status_code == 500
    assert answer.headers["x-request-id"] == "boom-1"
    line = logged.requests()[-1]
    assert (line["request_id"], line["operation"], line["status"]) == ("boom-1", "/boom", 500)


def test_text_format_installs_no_handler(api_runtime: Runtime) -> None:
    create_app(runtime=api_runtime)
    assert logs.json_handler() is None
    assert logging.getLogger(logs.ROOT).propagate
