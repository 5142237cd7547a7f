"""Moov reads write nothing (no write transaction, so no SQLite write lock), whoever asks and
whether or not the account exists yet. The one write a GET may cause is filling the variant
cache: the first request for a size stores its rendition, later ones only read."""

from __future__ import annotations

import httpx
import pytest

from darkroom.api import vocabulary
from darkroom.core import spaces
from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.api.moov.conftest import ACCOUNT, OTHER_ACCOUNT
from tests.conftest import record_writes

IMAGES = f"/accounts/{ACCOUNT}/images"


@pytest.fixture
def uploaded(http: httpx.Client) -> dict[str, str]:
    answer = http.post(IMAGES, files={"image": ("a.png", samples.png(300, 200))})
    assert answer.status_code == 201, answer.text
    image: dict[str, str] = answer.json()
    assert http.get(f"/images/{image['publicID']}", params={"size": "100x100"}).status_code == 200
    return image


def test_get_of_every_moov_resource_opens_no_write_transaction(
    http: httpx.Client,
    api_runtime: Runtime,
    uploaded: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writes = record_writes(api_runtime, monkeypatch)
    assert http.get(IMAGES).status_code == 200
    assert http.get(f"{IMAGES}/{uploaded['imageID']}").status_code == 200
    public = http.get(f"/images/{uploaded['publicID']}", params={"size": "100x100"})
    assert public.status_code == 200
    etag = public.headers["etag"]
    revalidated = http.get(
        f"/images/{uploaded['publicID']}",
        params={"size": "100x100"},
        headers={"If-None-Match": etag},
    )
    assert revalidated.status_code == 304
    assert writes == []


def test_list_of_an_account_never_written_to_is_empty_and_makes_nothing(
    http: httpx.Client, api_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = record_writes(api_runtime, monkeypatch)
    answer = http.get(f"/accounts/{OTHER_ACCOUNT}/images")
    assert (answer.status_code, answer.json()) == (200, [])
    assert writes == []
    with api_runtime.reading() as session:
        assert spaces.find(session, vocabulary.MOOV_ACCOUNT, OTHER_ACCOUNT) is None


def test_first_request_for_a_size_stores_its_variant_once(
    http: httpx.Client,
    api_runtime: Runtime,
    uploaded: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writes = record_writes(api_runtime, monkeypatch)
    for _ in range(3):
        answer = http.get(f"/images/{uploaded['publicID']}", params={"size": "50x50"})
        assert answer.status_code == 200
    assert writes == ["write"]
