"""Capabilities that end (issue 11): ``url``/``thumbnail_url`` of private images carry a
signature and an expiry and work only with them; trash, delete and privacy changes end what
they should, on this instance at once and on another after its next poll."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import delete, select

from darkroom.api.common import signed
from darkroom.app import create_app
from darkroom.clock import utcnow
from darkroom.config import Settings
from darkroom.core import images, signing
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.db.models import Grant, Principal
from tests.api.procore.conftest import PROJECT, Procore, assert_error, make_image
from tests.live import serve

Instance = Callable[..., AbstractContextManager[tuple[str, Runtime]]]


def _bare(url: str) -> str:
    return url.split("?", 1)[0]


def _query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def _with(url: str, **values: str) -> str:
    return f"{_bare(url)}?{urlencode({**_query(url), **values})}"


def _set_private(api: httpx.Client, image_id: int, private: bool) -> dict[str, object]:
    body = {"image": {"private": private}}
    response = api.patch(f"/rest/v1.0/images/{image_id}?project_id={PROJECT}", json=body)
    assert response.status_code == 200, response.text
    changed: dict[str, object] = response.json()
    return changed


@pytest.fixture
def instance(api_runtime: Runtime, tmp_path: Path) -> Iterator[Instance]:
    """Starts other darkroom instances on the test server's database and blob store, each with
    its own data folder (so its own caches and generation) and the settings given; they poll for
    changes only when the test says so (``runtime.generation.poll_once()``). Unless told
    otherwise they sign with the test server's key, as instances of one deployment must."""
    opened: list[Runtime] = []
    shared = (api_runtime.settings.data_dir / signing.SECRET_FILE).read_text()

    @contextmanager
    def start(name: str, **changed: object) -> Iterator[tuple[str, Runtime]]:
        settings = Settings(
            data_dir=tmp_path / name,
            database_url=api_runtime.settings.database_url,
            storage_url=api_runtime.settings.storage_url,
            change_poll_seconds=0,
            **{"signing_keys": shared, **changed},  # type: ignore[arg-type]
        )
        rt = open_runtime(settings)
        opened.append(rt)
        with serve(create_app(runtime=rt)) as url:
            yield url, rt

    try:
        yield start
    finally:
        for rt in opened:
            rt.close()


def test_private_image_url_without_signature_is_refused(api: httpx.Client) -> None:
    created = make_image(api, private=True)
    for url in (created["url"], created["thumbnail_url"]):
        assert set(_query(url)) == {"expires", "signature"}
        assert httpx.get(url).status_code == 200
        assert_error(httpx.get(_bare(url)), 403, "signature")


def test_image_of_a_private_category_needs_a_signature_too(api: httpx.Client) -> None:
    category = api.post(
        f"/rest/v1.0/image_categories?project_id={PROJECT}",
        json={"image_category": {"name": "Hidden", "private": True}},
    ).json()
    created = make_image(api, image_category_id=category["id"])
    assert httpx.get(created["url"]).status_code == 200
    assert_error(httpx.get(_bare(created["url"])), 403)


def test_public_image_keeps_a_stable_url_without_signature(api: httpx.Client) -> None:
    created = make_image(api)
    assert "?" not in created["url"] and "?" not in created["thumbnail_url"]
    assert httpx.get(created["url"]).status_code == 200


def test_private_image_is_sent_as_private_to_caches(api: httpx.Client) -> None:
    created = make_image(api, private=True)
    assert httpx.get(created["url"]).headers["cache-control"].startswith("private")


def test_signed_link_expires(procore: Procore, api: httpx.Client) -> None:
    created = make_image(api, private=True)
    image = images.find_public(procore.runtime, _bare(created["url"]).rsplit("/", 1)[1])
    past = int(utcnow().timestamp()) - 1
    expired = signed.parameters(procore.runtime, image, expires_at=past)
    for url in (created["url"], created["thumbnail_url"]):
        assert_error(httpx.get(_with(url, **expired)), 403, "expired")


def test_tampered_signature_is_refused(api: httpx.Client) -> None:
    created = make_image(api, private=True)
    url = created["url"]
    signature, expires = _query(url)["signature"], _query(url)["expires"]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert_error(httpx.get(_with(url, signature=flipped)), 403)
    # A later expiry under the same signature is not ours either.
    assert_error(httpx.get(_with(url, expires=str(int(expires) + 86400))), 403)
    assert_error(httpx.get(_with(url, expires="9" * 40)), 403)


def test_signature_of_one_image_does_not_open_another(api: httpx.Client) -> None:
    first, second = make_image(api, seed=1, private=True), make_image(api, seed=2, private=True)
    borrowed = _query(first["url"])
    assert_error(httpx.get(_with(second["url"], **borrowed)), 403)


def test_private_link_is_refused_from_memory_too(api: httpx.Client) -> None:
    # The first signed fetches fill the memory the fast lane answers from; an unsigned request
    # must still be refused there.
    created = make_image(api, private=True)
    for _ in range(3):
        assert httpx.get(created["thumbnail_url"]).status_code == 200
    assert_error(httpx.get(_bare(created["thumbnail_url"])), 403)


def test_link_remembered_by_the_fast_lane_is_refused_once_expired(
    api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = make_image(api, private=True)
    url = created["thumbnail_url"]
    for _ in range(3):  # the lane remembers what this very URL was made into
        assert httpx.get(url).status_code == 200
    after_expiry = datetime.fromtimestamp(int(_query(url)["expires"]) + 1, UTC)
    monkeypatch.setattr(signing, "utcnow", lambda: after_expiry)
    assert_error(httpx.get(url), 403, "expired")


def test_old_signing_key_verifies_until_removed(api: httpx.Client, instance: Instance) -> None:
    old, new = "old-key-0123456789abcdef", "new-key-0123456789abcdef"
    created = make_image(api, private=True)
    public_id = _bare(created["url"]).rsplit("/", 1)[1]
    with instance("signs-with-old", signing_keys=old) as (first, _):
        listed = httpx.get(
            f"{first}/rest/v1.0/images/{created['id']}?project_id={PROJECT}",
            headers=dict(api.headers),
        ).json()
        link = listed["url"]
        assert link.startswith(f"{first}/rest/v1.0/image_files/{public_id}?")
        assert httpx.get(link).status_code == 200
    path = link.removeprefix(first)
    with instance("rotated", signing_keys=f"{new},{old}") as (rotated, _):
        assert httpx.get(rotated + path).status_code == 200
    with instance("old-removed", signing_keys=new) as (removed, _):
        assert_error(httpx.get(removed + path), 403, "signature")


def test_capability_of_trashed_image_stops_working(api: httpx.Client) -> None:
    public, private = make_image(api, seed=1), make_image(api, seed=2, private=True)
    for created in (public, private):
        for _ in range(2):  # remembered: the second may come from memory
            assert httpx.get(created["thumbnail_url"]).status_code == 200
        api.delete(f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}")
        assert_error(httpx.get(created["thumbnail_url"]), 404)
        assert_error(httpx.get(created["url"]), 404)


def test_capability_of_deleted_image_stops_working(api: httpx.Client) -> None:
    created = make_image(api, private=True)
    assert httpx.get(created["url"]).status_code == 200
    api.delete(f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}&permanent=true")
    assert_error(httpx.get(created["url"]), 404)


def test_capability_of_trashed_image_stops_on_another_instance_after_its_poll(
    procore: Procore, api: httpx.Client, instance: Instance
) -> None:
    created = make_image(api, private=True)
    path = created["thumbnail_url"].removeprefix(procore.base)
    with instance("second") as (other, second):
        for _ in range(2):
            assert httpx.get(other + path).status_code == 200
        second.generation.poll_once()
        api.delete(f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}")
        assert httpx.get(other + path).status_code == 200  # still remembered until it polls
        second.generation.poll_once()
        assert_error(httpx.get(other + path), 404)


def test_image_made_private_is_no_longer_served_by_its_public_link(api: httpx.Client) -> None:
    created = make_image(api)
    for _ in range(3):
        assert httpx.get(created["thumbnail_url"]).status_code == 200
    changed = _set_private(api, created["id"], True)
    assert_error(httpx.get(created["thumbnail_url"]), 403)
    assert_error(httpx.get(created["url"]), 403)
    assert httpx.get(str(changed["thumbnail_url"])).status_code == 200


def test_image_made_private_stops_on_another_instance_after_its_poll(
    procore: Procore, api: httpx.Client, instance: Instance
) -> None:
    created = make_image(api)
    path = created["thumbnail_url"].removeprefix(procore.base)
    with instance("second") as (other, second):
        for _ in range(2):
            assert httpx.get(other + path).status_code == 200
        second.generation.poll_once()
        _set_private(api, created["id"], True)
        second.generation.poll_once()
        assert_error(httpx.get(other + path), 403)


def test_signed_link_outlives_grant_removal_until_it_expires(
    procore: Procore, api: httpx.Client
) -> None:
    # A signed link is a bearer capability, as an S3 presigned URL is (docs/security.md).
    created = make_image(api, private=True)
    with procore.runtime.transaction() as session:
        member = session.scalars(select(Principal).where(Principal.name == "member")).one()
        session.execute(delete(Grant).where(Grant.principal_id == member.id))
    assert api.get(f"/rest/v1.0/images/{created['id']}?project_id={PROJECT}").status_code in (
        403,
        404,
    )
    assert httpx.get(created["url"]).status_code == 200
