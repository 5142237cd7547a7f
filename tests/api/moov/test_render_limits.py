"""The public image route under the render limit and the variant cache's budget, over real HTTP.

The server here allows each client address a burst of 2 renders, refilled at one per 100 s, so
the third new size in a row is refused. A second client speaks from another loopback address
(127.0.0.2), which the server sees as another client.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import event, select

from darkroom.api.common import lane
from darkroom.core.runtime import Runtime
from darkroom.core.stored_specs import StoredSpecs
from darkroom.db.models import Variant
from tests import images as samples
from tests.api.moov.conftest import ACCOUNT, decoded
from tests.api.test_metrics import grew, scrape
from tests.conftest import sqlite_runtime

IMAGES = f"/accounts/{ACCOUNT}/images"
RETRY_AFTER = "100"  # 1 / DARKROOM_RENDER_RATE


@pytest.fixture
def api_runtime(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    """The suite's server runtime, with a small render allowance."""
    with sqlite_runtime(
        tmp_path, sqlite_template, render_rate=0.01, render_burst=2, metrics="on"
    ) as rt:
        yield rt


@pytest.fixture
def public_id(http: httpx.Client) -> str:
    answer = http.post(IMAGES, files={"image": ("a.png", samples.png(400, 300))})
    assert answer.status_code == 201, answer.text
    found: str = answer.json()["publicID"]
    return found


def _get(server: str, public_id: str, size: str, *, source: str = "127.0.0.1") -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=30) as client:
        return client.get(f"{server}/images/{public_id}", params={"size": size})


def test_a_burst_of_new_sizes_gets_429_with_retry_after_and_a_moov_error_body(
    server: str, public_id: str
) -> None:
    assert [_get(server, public_id, f"{n}x{n}").status_code for n in (10, 11)] == [200, 200]
    refused = _get(server, public_id, "12x12")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == RETRY_AFTER
    assert refused.headers["content-type"] == "application/json"
    assert set(refused.json()) == {"error"} and "try again" in refused.json()["error"]
    uuid.UUID(refused.headers["x-request-id"])


def test_a_refused_client_is_still_served_a_cached_variant(server: str, public_id: str) -> None:
    for n in (10, 11):
        _get(server, public_id, f"{n}x{n}")
    assert _get(server, public_id, "12x12").status_code == 429
    cached = _get(server, public_id, "10x10")
    assert cached.status_code == 200
    assert decoded(cached.content)[1:] == (10, 8)


def test_another_client_address_has_its_own_allowance(server: str, public_id: str) -> None:
    for n in (10, 11, 12):
        _get(server, public_id, f"{n}x{n}")
    assert _get(server, public_id, "13x13", source="127.0.0.2").status_code == 200


def test_refusals_are_counted_for_the_moov_door(server: str, public_id: str) -> None:
    for n in (10, 11):
        _get(server, public_id, f"{n}x{n}")
    before = scrape(server)
    assert _get(server, public_id, "12x12").status_code == 429
    after = scrape(server)
    assert grew(before, after, "darkroom_rate_limited_requests_total", door="moov") == 1


def test_an_evicted_variant_is_rendered_again_on_the_next_request(
    server: str, public_id: str, api_runtime: Runtime
) -> None:
    first = _get(server, public_id, "100x100")
    assert first.status_code == 200
    with api_runtime.reading() as session:
        key = session.scalars(select(Variant.storage_key)).one()
    api_runtime.evictor.budget = 1
    assert api_runtime.evictor.evict().stored_bytes == 0
    assert not api_runtime.store.exists(key)
    api_runtime.evictor.budget = 0  # keep what comes next

    again = _get(server, public_id, "100x100")

    assert again.status_code == 200
    assert again.headers["etag"] == first.headers["etag"]
    assert decoded(again.content) == decoded(first.content)
    assert api_runtime.store.exists(key)


def _variant_lookups(runtime: Runtime) -> list[str]:
    """Every statement ``runtime`` sends that reads the variants table, from now on."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM variants" in statement:
            seen.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", note)
    return seen


def test_a_flood_of_new_sizes_is_refused_from_memory_after_the_first_refusal(
    server: str, public_id: str, api_runtime: Runtime
) -> None:
    # The reading stays fresh for the whole test, however slow the machine (the 2 s bound
    # itself is tested in tests/core/test_stored_specs.py on a manual clock).
    api_runtime.stored_specs = StoredSpecs(fresh_seconds=3600)
    for n in (10, 11):
        _get(server, public_id, f"{n}x{n}")
    assert _get(server, public_id, "12x12").status_code == 429  # reads the stored variants
    lookups = _variant_lookups(api_runtime)

    refused = [_get(server, public_id, f"{n}x{n}") for n in range(13, 23)]

    assert [answer.status_code for answer in refused] == [429] * 10
    # the wait left until the next token: 100 s at the first refusal, less as time passes
    assert all(0 < int(answer.headers["retry-after"]) <= 100 for answer in refused)
    assert all(set(answer.json()) == {"error"} for answer in refused)
    assert lookups == []


def test_a_refused_client_is_served_a_size_stored_after_its_refusal(
    server: str, public_id: str
) -> None:
    for n in (10, 11):
        _get(server, public_id, f"{n}x{n}")
    assert _get(server, public_id, "12x12").status_code == 429
    assert _get(server, public_id, "12x12", source="127.0.0.2").status_code == 200  # stored now

    again = _get(server, public_id, "12x12")

    assert again.status_code == 200
    assert decoded(again.content)[1:] == (12, 9)


def test_a_refusal_from_memory_is_answered_after_a_pause(
    server: str, public_id: str, api_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pause is what keeps a flood's connections from taking the CPU of other clients; the
    # test counts the waits rather than timing them.
    api_runtime.stored_specs = StoredSpecs(fresh_seconds=3600)
    paused: list[float] = []

    async def pause(seconds: float) -> None:
        paused.append(seconds)

    monkeypatch.setattr(lane, "asyncio", SimpleNamespace(sleep=pause))
    for n in (10, 11):
        _get(server, public_id, f"{n}x{n}")
    assert _get(server, public_id, "12x12").status_code == 429  # the first: read, not paused

    assert [_get(server, public_id, f"{n}x{n}").status_code for n in (13, 14)] == [429, 429]
    assert paused == [lane.REFUSAL_PAUSE_S] * 2
