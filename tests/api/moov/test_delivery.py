"""Moov public images through the delivery pipeline: validators before storage, hot bytes from
memory, changes seen at once here and after one poll elsewhere, the 2048 px cap on any shape,
and nothing of the upload's metadata in what is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pyvips

from darkroom.app import create_app
from darkroom.config import Settings
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.storage import BlobStore
from tests import images as samples
from tests.api.moov.conftest import ACCOUNT, decoded
from tests.live import serve

IMAGES = f"/accounts/{ACCOUNT}/images"
GPS = {
    "exif-ifd3-GPSLatitudeRef": "N",
    "exif-ifd3-GPSLatitude": "51/1 30/1 2/1",
    "exif-ifd3-GPSLongitudeRef": "W",
    "exif-ifd3-GPSLongitude": "0/1 7/1 39/1",
}


class UnreadableStore:
    """The runtime's store, but reading any stored bytes fails: proves a response needed none."""

    def __init__(self, inner: BlobStore) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        if name in {"open", "open_range", "exists", "size", "local_path"}:
            raise AssertionError(f"the store was asked to {name}")
        return getattr(self._inner, name)


def _upload(http: httpx.Client, data: bytes, name: str = "a.png") -> dict[str, str]:
    answer = http.post(IMAGES, files={"image": (name, data)})
    assert answer.status_code == 201, answer.text
    created: dict[str, str] = answer.json()
    return created


def _forget_everything(rt: Runtime) -> None:
    """As a freshly started worker would be: nothing remembered of any request."""
    rt.resolutions._entries.clear()
    rt.plans.clear()
    rt.known_variants.clear()
    rt.hot = type(rt.hot)(rt.hot.budget_bytes)


def test_a_matching_etag_answers_304_before_any_storage_access(
    http: httpx.Client, api_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    public = f"/images/{_upload(http, samples.png(300, 200))['publicID']}"
    etag = http.get(public, params={"size": "100x100"}).headers["etag"]
    _forget_everything(api_runtime)
    monkeypatch.setattr(api_runtime, "store", UnreadableStore(api_runtime.store))
    again = http.get(public, params={"size": "100x100"}, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)


def test_a_variant_asked_for_again_is_sent_from_memory(
    http: httpx.Client, api_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    public = f"/images/{_upload(http, samples.png(300, 200))['publicID']}"
    first = http.get(public, params={"size": "100x100"})
    second = http.get(public, params={"size": "100x100"})  # asked again: now kept in memory
    monkeypatch.setattr(api_runtime, "store", UnreadableStore(api_runtime.store))
    third = http.get(public, params={"size": "100x100"})
    assert third.status_code == 200
    assert third.content == second.content == first.content
    assert third.headers["content-type"] == "image/png"
    assert third.headers["etag"] == first.headers["etag"]


def test_a_one_off_size_is_not_kept_in_memory(http: httpx.Client, api_runtime: Runtime) -> None:
    public = f"/images/{_upload(http, samples.png(300, 200))['publicID']}"
    assert http.get(public, params={"size": "120x120"}).status_code == 200
    assert api_runtime.hot.stored_bytes == 0


def test_every_public_image_response_says_nosniff_and_when_it_changed(
    http: httpx.Client,
) -> None:
    public = f"/images/{_upload(http, samples.png(300, 200))['publicID']}"
    for _ in range(3):  # rendered, read from the store, from memory
        answer = http.get(public, params={"size": "100x100"})
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "public, max-age=300"
        assert answer.headers["last-modified"].endswith(" GMT")
        assert answer.headers["vary"] == "Accept"


def test_if_modified_since_the_last_change_answers_304(http: httpx.Client) -> None:
    public = f"/images/{_upload(http, samples.png(300, 200))['publicID']}"
    modified = http.get(public).headers["last-modified"]
    again = http.get(public, headers={"If-Modified-Since": modified})
    assert again.status_code == 304


def test_a_deleted_image_is_gone_at_the_next_request(http: httpx.Client) -> None:
    created = _upload(http, samples.png(300, 200))
    public = f"/images/{created['publicID']}"
    for _ in range(2):
        assert http.get(public, params={"size": "100x100"}).status_code == 200
    assert http.delete(f"{IMAGES}/{created['imageID']}").status_code == 204
    gone = http.get(public, params={"size": "100x100"})
    assert gone.status_code == 404
    assert gone.json() == {"error": "image not found"}


def test_replaced_bytes_are_sent_at_the_next_request(http: httpx.Client) -> None:
    created = _upload(http, samples.png(300, 200, seed=1))
    public = f"/images/{created['publicID']}"
    before = http.get(public, params={"size": "100x100"})
    replaced = http.put(
        f"{IMAGES}/{created['imageID']}", files={"image": ("b.png", samples.png(200, 300, seed=2))}
    )
    assert replaced.status_code == 200, replaced.text
    after = http.get(public, params={"size": "100x100"})
    assert after.headers["etag"] != before.headers["etag"]
    assert decoded(after.content)[1:] == (67, 100)


@pytest.mark.parametrize(
    ("width", "height", "size", "sent"),
    [
        (1, 16383, "2048x0", (1, 2048)),
        (16383, 1, "0x2048", (2048, 1)),
        (4000, 3000, "2048x2048", (2048, 1536)),
    ],
)
def test_no_side_sent_is_longer_than_2048_whatever_the_shape(
    http: httpx.Client, width: int, height: int, size: str, sent: tuple[int, int]
) -> None:
    strip = pyvips.Image.black(width, height).pngsave_buffer()
    public = f"/images/{_upload(http, strip)['publicID']}"
    answer = http.get(public, params={"size": size})
    assert answer.status_code == 200
    assert decoded(answer.content)[1:] == sent


def test_a_public_image_carries_no_location_of_the_upload(http: httpx.Client) -> None:
    photo = samples.jpeg_with_exif(GPS, width=300, height=200)
    public = f"/images/{_upload(http, photo, 'a.jpg')['publicID']}"
    for size in ("100x100", "300x200", "2048x2048"):
        sent = pyvips.Image.new_from_buffer(http.get(public, params={"size": size}).content, "")
        assert [field for field in sent.get_fields() if "GPS" in field] == []


@pytest.fixture
def second_instance(api_runtime: Runtime, tmp_path: Path) -> Iterator[tuple[str, Runtime]]:
    """Another darkroom instance on the same database and blob store, with its own data folder
    (so its own caches and generation), as a second machine would be. It polls for changes only
    when the test says so."""
    settings = Settings(
        data_dir=tmp_path / "other",
        database_url=api_runtime.settings.database_url,
        storage_url=api_runtime.settings.storage_url,
        change_poll_seconds=0,
    )
    other = open_runtime(settings)
    try:
        with serve(create_app(runtime=other)) as url:
            yield url, other
    finally:
        other.close()


def test_a_delete_on_one_instance_is_seen_by_another_after_its_next_poll(
    http: httpx.Client, second_instance: tuple[str, Runtime]
) -> None:
    url, other = second_instance
    created = _upload(http, samples.png(300, 200))
    public = f"{url}/images/{created['publicID']}"
    for _ in range(2):
        assert httpx.get(public, params={"size": "100x100"}).status_code == 200
    other.generation.poll_once()  # what its poller does every DARKROOM_CHANGE_POLL_SECONDS
    assert http.delete(f"{IMAGES}/{created['imageID']}").status_code == 204
    # Until it polls, the other instance answers from what it remembers...
    assert httpx.get(public, params={"size": "100x100"}).status_code == 200
    other.generation.poll_once()
    # ...and after, it asks the database again.
    assert httpx.get(public, params={"size": "100x100"}).status_code == 404


def test_bytes_sent_from_memory_carry_one_request_id_each(http: httpx.Client) -> None:
    public = f"/images/{_upload(http, samples.png(300, 200))['publicID']}"
    answers = [http.get(public, params={"size": "100x100"}) for _ in range(5)]
    ids = [answer.headers.get_list("x-request-id") for answer in answers]
    assert all(len(one) == 1 for one in ids)
    assert len({one[0] for one in ids}) == 5
