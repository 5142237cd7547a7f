"""Every operation of the official client (moovio-sdk) against a live darkroom server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from moovio_sdk import Moov
from moovio_sdk.images import GetPublicAcceptEnum
from moovio_sdk.models import components, errors

from darkroom.core.blobs import blob_key
from darkroom.core.runtime import Runtime
from darkroom.db.models import Image
from darkroom.media import ImageFormat
from tests import images as samples
from tests.api.moov.conftest import ACCOUNT, decoded, upload


def test_upload_without_metadata_returns_image_metadata(moov: Moov, server: str) -> None:
    before = datetime.now(UTC)
    answer = moov.images.upload(
        account_id=ACCOUNT, image={"file_name": "a.png", "content": samples.png()}
    )
    meta = answer.result
    assert isinstance(meta, components.ImageMetadata)
    assert uuid.UUID(meta.image_id).version == 4
    assert len(meta.public_id) >= 21 and meta.public_id.replace("-", "").replace("_", "").isalnum()
    assert meta.link == f"{server}/images/{meta.public_id}"
    assert meta.created_on.tzinfo is not None and meta.created_on >= before
    assert meta.updated_on >= meta.created_on
    assert meta.alt_text is None and meta.disabled_on is None
    assert answer.headers["content-type"] == ["application/json"]


def test_upload_with_metadata_stores_alt_text(moov: Moov) -> None:
    answer = moov.images.upload(
        account_id=ACCOUNT,
        image={"file_name": "a.jpg", "content": samples.jpeg()},
        metadata={"alt_text": "a red square"},
    )
    assert answer.result.alt_text == "a red square"


def test_get_metadata_returns_the_uploaded_image(moov: Moov) -> None:
    image_id = upload(moov, samples.webp(), alt_text="kept")
    meta = moov.images.get_metadata(account_id=ACCOUNT, image_id=image_id).result
    assert (meta.image_id, meta.alt_text) == (image_id, "kept")


def test_list_with_skip_and_count_returns_a_newest_first_page(moov: Moov) -> None:
    ids = [upload(moov, samples.png(seed=seed)) for seed in range(4)]
    page = moov.images.list(account_id=ACCOUNT, skip=1, count=2).result
    assert all(isinstance(item, components.ImageMetadata) for item in page)
    assert [item.image_id for item in page] == [ids[2], ids[1]]


def test_list_without_paging_returns_every_image_newest_first(moov: Moov) -> None:
    ids = [upload(moov, samples.png(seed=seed)) for seed in range(3)]
    listed = moov.images.list(account_id=ACCOUNT).result
    assert [item.image_id for item in listed] == ids[::-1]


def test_list_of_a_new_account_returns_an_empty_list(moov: Moov) -> None:
    assert moov.images.list(account_id="fresh-account").result == []


def test_update_without_metadata_replaces_bytes_and_keeps_ids_and_alt_text(moov: Moov) -> None:
    first = moov.images.upload(
        account_id=ACCOUNT,
        image={"file_name": "a.png", "content": samples.png(seed=1)},
        metadata={"alt_text": "kept"},
    ).result
    before = moov.images.get_public(public_id=first.public_id, size="64x48")
    old_etag = before.result.headers["etag"]
    updated = moov.images.update(
        account_id=ACCOUNT,
        image_id=first.image_id,
        image={"file_name": "b.jpg", "content": samples.jpeg(seed=2)},
    ).result
    assert (updated.image_id, updated.public_id, updated.alt_text) == (
        first.image_id,
        first.public_id,
        "kept",
    )
    assert updated.updated_on > first.updated_on
    after = moov.images.get_public(public_id=first.public_id, size="64x48")
    assert after.result.headers["etag"] != old_etag


def test_update_with_metadata_replaces_alt_text(moov: Moov) -> None:
    image_id = upload(moov, samples.png(seed=1), alt_text="old")
    updated = moov.images.update(
        account_id=ACCOUNT,
        image_id=image_id,
        image={"file_name": "b.png", "content": samples.png(seed=2)},
        metadata={"alt_text": "new"},
    ).result
    assert updated.alt_text == "new"


def test_update_with_metadata_without_alt_text_clears_it(moov: Moov) -> None:
    image_id = upload(moov, samples.png(seed=1), alt_text="old")
    updated = moov.images.update(
        account_id=ACCOUNT,
        image_id=image_id,
        image={"file_name": "b.png", "content": samples.png(seed=2)},
        metadata={},
    ).result
    assert updated.alt_text is None


def test_update_with_its_own_bytes_is_not_a_duplicate(moov: Moov) -> None:
    data = samples.png(seed=5)
    image_id = upload(moov, data)
    updated = moov.images.update(
        account_id=ACCOUNT, image_id=image_id, image={"file_name": "same.png", "content": data}
    ).result
    assert updated.image_id == image_id


def test_update_metadata_sets_alt_text(moov: Moov) -> None:
    image_id = upload(moov, samples.png())
    updated = moov.images.update_metadata(account_id=ACCOUNT, image_id=image_id, alt_text="hello")
    assert updated.result.alt_text == "hello"
    assert moov.images.get_metadata(account_id=ACCOUNT, image_id=image_id).result.alt_text == (
        "hello"
    )


def test_update_metadata_without_alt_text_clears_it(moov: Moov) -> None:
    image_id = upload(moov, samples.png(), alt_text="old")
    updated = moov.images.update_metadata(account_id=ACCOUNT, image_id=image_id)
    assert updated.result.alt_text is None


def test_delete_removes_the_image_for_good(moov: Moov, api_runtime: Runtime) -> None:
    meta = moov.images.upload(
        account_id=ACCOUNT, image={"file_name": "a.png", "content": samples.png()}
    ).result
    with api_runtime.transaction() as session:
        sha = session.query(Image).filter_by(uuid=meta.image_id).one().blob_sha256
    answer = moov.images.delete(account_id=ACCOUNT, image_id=meta.image_id)
    assert answer.headers.get("content-length", ["0"]) == ["0"]
    assert moov.images.list(account_id=ACCOUNT).result == []
    assert not api_runtime.store.exists(blob_key(sha))
    with pytest.raises(errors.APIError) as metadata:
        moov.images.get_metadata(account_id=ACCOUNT, image_id=meta.image_id)
    with pytest.raises(errors.APIError) as public:
        moov.images.get_public(public_id=meta.public_id)
    with pytest.raises(errors.APIError) as again:
        moov.images.delete(account_id=ACCOUNT, image_id=meta.image_id)
    assert [e.value.status_code for e in (metadata, public, again)] == [404, 404, 404]


def test_get_public_by_default_returns_a_jpeg_inside_400x400(moov: Moov) -> None:
    meta = moov.images.upload(
        account_id=ACCOUNT, image={"file_name": "a.png", "content": samples.png(800, 600)}
    ).result
    answer = moov.images.get_public(public_id=meta.public_id)
    assert isinstance(answer.result, httpx.Response)
    assert answer.result.headers["content-type"] == "image/jpeg"
    assert decoded(answer.result.read()) == (ImageFormat.JPEG, 400, 300)


def test_get_public_with_a_zero_side_scales_proportionally(moov: Moov) -> None:
    meta = moov.images.upload(
        account_id=ACCOUNT, image={"file_name": "a.png", "content": samples.png(800, 600)}
    ).result
    answer = moov.images.get_public(public_id=meta.public_id, size="0x150")
    assert decoded(answer.result.read())[1:] == (200, 150)


def test_get_public_never_enlarges_a_small_image(moov: Moov) -> None:
    meta = moov.images.upload(
        account_id=ACCOUNT, image={"file_name": "a.png", "content": samples.png(64, 48)}
    ).result
    answer = moov.images.get_public(public_id=meta.public_id, size="4000x4000")
    assert decoded(answer.result.read())[1:] == (64, 48)


def test_get_public_with_an_accept_override_returns_that_format(moov: Moov) -> None:
    meta = moov.images.upload(
        account_id=ACCOUNT, image={"file_name": "a.jpg", "content": samples.jpeg()}
    ).result
    answer = moov.images.get_public(
        public_id=meta.public_id, accept_header_override=GetPublicAcceptEnum.IMAGE_WEBP
    )
    assert answer.result.headers["content-type"] == "image/webp"
    assert decoded(answer.result.read())[0] is ImageFormat.WEBP
