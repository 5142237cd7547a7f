"""The HTTP skeleton over real HTTP: probes, OpenAPI, the streaming body cap, error mapping."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from darkroom.api import health
from darkroom.api.common.delivery import BytesSent
from darkroom.api.common.doors import Door
from darkroom.api.common.observe import FastAnswers
from darkroom.app import MULTIPART_SLACK, create_app
from darkroom.core.runtime import Runtime
from darkroom.errors import DarkroomError, NotFound
from tests.conftest import fresh_sqlite_database
from tests.live import serve

CAP = 4096


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    runtime.settings.max_upload_bytes = CAP
    app = create_app(runtime=runtime)
    received: dict[str, int] = {}
    app.state.received = received

    @app.post("/echo-size")
    async def echo_size(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            received["bytes"] = size
        return {"size": size}

    @app.get("/missing")
    def missing() -> None:
        raise NotFound("image", 42)

    def vendor_error(error: DarkroomError) -> Response:
        return JSONResponse({"vendor": error.message}, status_code=418)

    app.state.doors.add(
        Door(name="vendor", prefixes=("/vendor",), render_error=vendor_error, max_body_bytes=100)
    )

    @app.get("/vendor/missing")
    def vendor_missing() -> None:
        raise NotFound("image", 7)

    @app.post("/vendor/upload")
    async def vendor_upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    return app


@pytest.fixture
def base_url(app: FastAPI) -> Iterator[str]:
    with serve(app) as url:
        yield url


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    # HTTP plumbing does not depend on the database; SQLite alone keeps this module quick.
    return fresh_sqlite_database(tmp_path, sqlite_template)


def test_healthz_answers_ok(base_url: str) -> None:
    response = httpx.get(f"{base_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_and_storage(base_url: str) -> None:
    response = httpx.get(f"{base_url}/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "storage": "ok"}


def _count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[object]:
    calls: list[object] = []
    real = getattr(owner, name)

    def counted(*args: object) -> object:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_readyz_probes_once_within_its_cache_window(
    base_url: str, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_calls(monkeypatch, runtime, "ping")
    reads = _count_calls(monkeypatch, runtime.store, "exists")
    writes = _count_calls(monkeypatch, runtime.store, "put")
    for _ in range(3):
        assert httpx.get(f"{base_url}/readyz").status_code == 200
    assert (len(pings), len(reads), len(writes)) == (1, 1, 0)


def test_readyz_probes_again_once_its_answer_is_older_than_the_window(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    readiness = health.Readiness(runtime, ttl=5.0, clock=lambda: now[0])
    pings = _count_calls(monkeypatch, runtime, "ping")
    readiness.checks()
    now[0] = 104.9
    readiness.checks()
    assert len(pings) == 1
    now[0] = 105.0
    assert readiness.checks() == {"database": "ok", "storage": "ok"}
    assert len(pings) == 2


def test_readyz_reports_an_unreadable_store_as_unavailable(
    base_url: str, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(key: str) -> bool:
        raise OSError("the disk went away")

    monkeypatch.setattr(runtime.store, "exists", unreadable)
    response = httpx.get(f"{base_url}/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "storage": "error: OSError"},
    }


def test_openapi_and_docs_are_served(base_url: str) -> None:
    spec = httpx.get(f"{base_url}/openapi.json")
    assert spec.status_code == 200
    assert "/healthz" in spec.json()["paths"]
    docs = httpx.get(f"{base_url}/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]


def test_body_within_cap_reaches_the_endpoint(base_url: str) -> None:
    response = httpx.post(f"{base_url}/echo-size", content=b"x" * CAP)
    assert response.status_code == 200
    assert response.json() == {"size": CAP}


def test_declared_length_over_cap_is_refused_before_reading(base_url: str) -> None:
    # Announce a gigabyte and send nothing: the answer must come without waiting for the body.
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as conn:
        conn.sendall(
            b"POST /echo-size HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: 1000000000\r\n\r\n"
        )
        answer = b""
        while b'"}' not in answer and (chunk := conn.recv(4096)):
            answer += chunk
    text = answer.decode("latin-1")
    assert text.startswith("HTTP/1.1 413")
    assert '{"error":' in text


def test_streamed_body_over_cap_is_cut_off_with_413(app: FastAPI, base_url: str) -> None:
    limit = CAP + MULTIPART_SLACK

    def chunks() -> Iterator[bytes]:
        for _ in range(200):
            yield b"y" * 8192  # 1.6 MB in all, sent chunked with no length

    response = httpx.post(f"{base_url}/echo-size", content=chunks())
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]
    assert app.state.received.get("bytes", 0) <= limit


def test_domain_error_renders_default_body(base_url: str) -> None:
    response = httpx.get(f"{base_url}/missing")
    assert response.status_code == 404
    assert response.json() == {"error": "image not found"}
    assert response.headers["content-type"] == "application/json"


def test_door_renders_its_own_error_body(base_url: str) -> None:
    response = httpx.get(f"{base_url}/vendor/missing")
    assert response.status_code == 418
    assert response.json() == {"vendor": "image not found"}


def test_door_cap_applies_to_its_prefix_with_its_error_body(base_url: str) -> None:
    response = httpx.post(f"{base_url}/vendor/upload", content=b"z" * (100 + MULTIPART_SLACK + 1))
    assert response.status_code == 418
    assert "larger than" in response.json()["vendor"]


def _remembered(path: str) -> Callable[[Scope], tuple[str, Response] | None]:
    """A stand-in for the lane's memory (``LaneMemory.ready``) that knows one answer."""

    def ready(scope: Scope) -> tuple[str, Response] | None:
        if scope["path"] != path:
            return None
        return "/remembered", BytesSent(b"kept", [(b"content-type", b"image/png")])

    return ready


def test_an_answer_from_memory_is_sent_before_any_middleware_runs(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)
    assert app.fast is not None
    app.fast = FastAnswers(_remembered("/kept"), app.fast.observer)
    app.add_middleware(_Refusing)  # what the framework would have answered: 418 to everything
    with serve(app) as url:
        kept = httpx.get(f"{url}/kept")
        other = httpx.get(f"{url}/healthz")
    assert (kept.status_code, kept.content, kept.headers["content-type"]) == (
        200,
        b"kept",
        "image/png",
    )
    assert len(kept.headers.get_list("x-request-id")) == 1
    assert other.status_code == 418  # anything memory does not answer goes through the framework


class _Refusing:
    def __init__(self, app: object) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # type: ignore[operator]
            return
        await Response(status_code=418)(scope, receive, send)
