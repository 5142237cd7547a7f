"""``/metrics`` scraped over real HTTP: counters move for every door, labels name route templates
(never ids), access follows ``DARKROOM_METRICS`` (off unless set), and workers' numbers add up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from darkroom.app import create_app
from darkroom.config import Settings
from darkroom.core.access import Role
from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.api.moov.conftest import ACCOUNT, create_user
from tests.live import serve

ADMIN = ("metrics-admin", "metrics-password")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
Start = Callable[..., str]


@pytest.fixture
def start(api_runtime: Runtime) -> Iterator[Start]:
    """Start a server on ``api_runtime`` with some settings changed (``metrics`` "on" unless
    given); return its URL."""
    with ExitStack() as servers:

        def started(**settings: Any) -> str:
            for name, value in {"metrics": "on", **settings}.items():
                setattr(api_runtime.settings, name, value)
            return servers.enter_context(serve(create_app(runtime=api_runtime)))

        yield started


def scrape(base: str, **kwargs: Any) -> Samples:
    answer = httpx.get(f"{base}/metrics", **kwargs)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


REQUESTS = "darkroom_http_requests_total"
DURATIONS = "darkroom_http_request_duration_seconds_count"
SENT = "darkroom_http_response_bytes_total"

# One request per door, none with credentials: door, path, route template, status.
PER_DOOR = [
    ("moov", f"/accounts/{ACCOUNT}/images", "/accounts/{account_id}/images", "401"),
    ("procore", "/rest/v1.0/image_files/pub-7", "/rest/v1.0/image_files/{public_id}", "404"),
    ("cyclos", "/api/someone-7/images", "/api/{user}/images", "404"),
    ("admin", "/admin/v1/users/someone-7/ads", "/admin/v1/users/{user}/{kind}", "401"),
    ("darkroom", "/healthz", "/healthz", "200"),
]


def test_every_door_counts_its_requests_by_route_template(start: Start) -> None:
    base = start()
    before = scrape(base)
    for _door, path, _template, status in PER_DOOR:
        assert str(httpx.get(f"{base}{path}").status_code) == status
    after = scrape(base)
    for door, _path, template, status in PER_DOOR:
        route = {"door": door, "operation": template}
        assert grew(before, after, REQUESTS, **route, method="GET", status=status) == 1
        assert grew(before, after, DURATIONS, **route, method="GET") == 1
        assert grew(before, after, SENT, **route) > 0


def test_labels_carry_no_ids_from_paths(start: Start) -> None:
    base = start()
    for path in (
        f"/accounts/{ACCOUNT}/images",
        "/images/pub-id-secret-93",
        "/rest/v1.0/image_categories/4242",
        "/api/someone-7/images",
        "/api/nothing-here-81/at/all",
        "/no-such-page-65",
    ):
        httpx.get(f"{base}{path}")
    text = httpx.get(f"{base}/metrics").text
    labels = " ".join(re.findall(r"\{[^}]*\}", text))  # not the values: a count may read 4242
    for fragment in (ACCOUNT, "pub-id-secret", "4242", "someone-7", "nothing-here", "no-such-page"):
        assert fragment not in labels
    assert 'door="cyclos",method="GET",operation="unmatched",status="404"' in text
    assert 'door="darkroom",method="GET",operation="unmatched",status="404"' in text


def test_uploads_renders_cache_and_rejections_are_counted(
    start: Start, api_runtime: Runtime
) -> None:
    create_user(api_runtime, *ADMIN, role=Role.ADMIN)
    base = start()
    images = f"{base}/accounts/{ACCOUNT}/images"
    png = samples.png(320, 240, seed=11)
    before = scrape(base)

    uploaded = httpx.post(images, auth=ADMIN, files={"image": ("a.png", png)})
    assert uploaded.status_code == 201, uploaded.text
    public = f"{base}/images/{uploaded.json()['publicID']}"
    for _ in range(2):  # rendered, then from the cache
        answer = httpx.get(public, params={"size": "100x100"})
        assert answer.status_code == 200
    again = httpx.post(images, auth=ADMIN, files={"image": ("b.png", png)})
    text = httpx.post(images, auth=ADMIN, files={"image": ("c.png", b"not an image at all")})
    assert (again.status_code, text.status_code) == (409, 422)
    after = scrape(base)

    assert grew(before, after, "darkroom_uploads_total", blob="new") == 1
    assert grew(before, after, "darkroom_ingested_bytes_total") == len(png)
    assert grew(before, after, "darkroom_rejected_inputs_total", reason="Duplicate") == 1
    assert grew(before, after, "darkroom_rejected_inputs_total", reason="Unsupported") == 1
    assert grew(before, after, "darkroom_variant_cache_lookups_total", result="miss") == 1
    assert grew(before, after, "darkroom_variant_cache_lookups_total", result="hit") == 1
    assert grew(before, after, "darkroom_renders_total", outcome="ok") == 1
    assert grew(before, after, "darkroom_render_duration_seconds_count") == 1
    assert grew(before, after, "darkroom_cpu_slot_wait_seconds_count", work="render") == 1
    assert grew(before, after, "darkroom_cpu_slot_wait_seconds_count", work="ingest") >= 2
    assert grew(before, after, "darkroom_image_bytes_sent_total", rendition="variant") > 0
    upload_bytes = grew(
        before,
        after,
        "darkroom_http_request_bytes_total",
        door="moov",
        operation="/accounts/{account_id}/images",
    )
    assert upload_bytes > 2 * len(png)


def test_database_pool_and_readiness_are_reported(start: Start, api_runtime: Runtime) -> None:
    base = start()
    before = scrape(base)
    assert httpx.get(f"{base}/readyz").status_code == 200
    after = scrape(base)
    assert value(after, "darkroom_db_pool_size") >= 1
    assert value(after, "darkroom_db_pool_capacity") >= value(after, "darkroom_db_pool_size")
    with api_runtime.reading() as session:
        session.connection()  # one more connection checked out while the scrape runs
        held = scrape(base)
    assert (
        value(held, "darkroom_db_pool_checked_out")
        == value(after, "darkroom_db_pool_checked_out") + 1
    )
    for check in ("database", "storage"):
        assert grew(before, after, "darkroom_readiness_probes_total", check=check, result="ok") == 1


def test_rate_limit_and_variant_eviction_metrics_are_declared(start: Start) -> None:
    text = httpx.get(f"{start()}/metrics").text
    assert "# TYPE darkroom_rate_limited_requests_total counter" in text
    assert "# TYPE darkroom_variant_cache_evictions_total counter" in text
    assert "# TYPE darkroom_variant_cache_evicted_bytes_total counter" in text
    assert "# TYPE darkroom_variant_cache_bytes gauge" in text


def test_token_protected_metrics_need_the_bearer_token(start: Start) -> None:
    base = start(metrics="token", metrics_token="scrape-token-5")
    missing = httpx.get(f"{base}/metrics")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer other"})
    assert wrong.status_code == 401
    basic = httpx.get(f"{base}/metrics", auth=("scrape-token-5", ""))
    assert basic.status_code == 401
    assert scrape(base, headers={"Authorization": "Bearer scrape-token-5"})


def test_metrics_off_is_not_found(start: Start) -> None:
    base = start(metrics="off")
    assert httpx.get(f"{base}/metrics").status_code == 404


def test_metrics_by_default_are_not_served(api_runtime: Runtime) -> None:
    with serve(create_app(runtime=api_runtime)) as base:
        assert httpx.get(f"{base}/metrics").status_code == 404


def test_metrics_token_alone_serves_metrics_to_its_bearer_only(
    start: Start, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DARKROOM_METRICS", raising=False)
    monkeypatch.setenv("DARKROOM_METRICS_TOKEN", "scrape-token-6")
    chosen = Settings(data_dir=tmp_path)
    base = start(metrics=chosen.metrics, metrics_token=chosen.metrics_token)

    assert httpx.get(f"{base}/metrics").status_code == 401
    assert scrape(base, headers={"Authorization": "Bearer scrape-token-6"})


METRICS_ENV = ("DARKROOM_METRICS", "DARKROOM_METRICS_TOKEN")


@pytest.mark.parametrize(
    ("environ", "mode"),
    [
        ({}, "off"),
        ({"DARKROOM_METRICS_TOKEN": "t"}, "token"),
        ({"DARKROOM_METRICS": "on"}, "on"),
        ({"DARKROOM_METRICS": "off"}, "off"),
        ({"DARKROOM_METRICS": "token", "DARKROOM_METRICS_TOKEN": "t"}, "token"),
    ],
)
def test_metrics_mode_follows_the_environment(
    environ: dict[str, str], mode: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in METRICS_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, setting in environ.items():
        monkeypatch.setenv(name, setting)

    assert Settings(data_dir=tmp_path).metrics == mode


@pytest.mark.parametrize(
    "environ",
    [
        {"DARKROOM_METRICS": "token"},
        {"DARKROOM_METRICS": "on", "DARKROOM_METRICS_TOKEN": "t"},
        {"DARKROOM_METRICS": "off", "DARKROOM_METRICS_TOKEN": "t"},
    ],
)
def test_metrics_token_without_token_mode_or_token_mode_without_token_is_refused(
    environ: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in METRICS_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, setting in environ.items():
        monkeypatch.setenv(name, setting)

    with pytest.raises(ValidationError, match="go together"):
        Settings(data_dir=tmp_path)


WORKER = """
from darkroom.core import metrics
metrics.HTTP_REQUESTS.labels("moov", "/images/{{public_id}}", "GET", "200").inc({count})
metrics.CPU_SLOTS_IN_USE.inc()
if {stopped}:
    metrics.process_stopped()
else:
    print(metrics.exposition()[0].decode())
"""


def test_workers_numbers_are_summed_through_the_multiprocess_folder(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus")}

    def worker(count: int, *, stopped: bool) -> str:
        code = textwrap.dedent(WORKER.format(count=count, stopped=stopped))
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        return run.stdout

    worker(2, stopped=True)  # a worker that has shut down: its counts stay, its gauges go
    text = worker(3, stopped=False)
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    labels = {"door": "moov", "operation": "/images/{public_id}", "method": "GET", "status": "200"}
    assert value(samples, "darkroom_http_requests_total", **labels) == 5
    assert value(samples, "darkroom_cpu_slots_in_use") == 1
