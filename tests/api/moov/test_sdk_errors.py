"""Every error path the official client can express, with the typed error it must raise."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
from moovio_sdk import Moov
from moovio_sdk.models import errors

from darkroom.api import vocabulary
from darkroom.config import MiB
from darkroom.core import albums, spaces
from darkroom.core.access import Scope, trusted_scope
from darkroom.core.accounts import actor_of, get_principal
from darkroom.core.policy import AlbumType
from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.api.moov.conftest import ACCOUNT, OTHER_ACCOUNT, client, create_user, grant, upload


def test_request_without_credentials_raises_api_error_401(server: str, admin: object) -> None:
    with Moov(server_url=server) as anonymous, pytest.raises(errors.APIError) as raised:
        anonymous.images.list(account_id=ACCOUNT)
    assert raised.value.status_code == 401
    assert raised.value.headers["content-type"] == "application/json"
    assert json.loads(raised.value.body) == {"error": "HTTP Basic credentials are required"}


def test_request_with_a_wrong_password_raises_api_error_401(server: str, admin: object) -> None:
    with client(server, "root", "wrong") as sdk, pytest.raises(errors.APIError) as raised:
        sdk.images.list(account_id=ACCOUNT)
    assert raised.value.status_code == 401
    assert "error" in json.loads(raised.value.body)


def test_member_without_a_grant_raises_api_error_403(
    server: str, moov: Moov, api_runtime: Runtime
) -> None:
    upload(moov, samples.png())  # the admin's first use creates the account
    create_user(api_runtime, "mia", "mia-password")
    with client(server, "mia", "mia-password") as sdk, pytest.raises(errors.APIError) as raised:
        sdk.images.list(account_id=ACCOUNT)
    assert raised.value.status_code == 403
    assert "error" in json.loads(raised.value.body)


def test_member_on_an_unknown_account_raises_api_error_404(
    server: str, admin: object, api_runtime: Runtime
) -> None:
    create_user(api_runtime, "mia", "mia-password")
    with client(server, "mia", "mia-password") as sdk, pytest.raises(errors.APIError) as raised:
        sdk.images.list(account_id="nobody-made-this")
    assert raised.value.status_code == 404


def test_member_with_a_grant_uses_the_account(
    server: str, admin: object, api_runtime: Runtime
) -> None:
    create_user(api_runtime, "mia", "mia-password")
    grant(api_runtime, "mia", ACCOUNT)
    with client(server, "mia", "mia-password") as sdk:
        image_id = upload(sdk, samples.png())
        assert [m.image_id for m in sdk.images.list(account_id=ACCOUNT).result] == [image_id]


def test_get_metadata_of_an_unknown_image_raises_api_error_404(moov: Moov) -> None:
    with pytest.raises(errors.APIError) as raised:
        moov.images.get_metadata(account_id=ACCOUNT, image_id=str(uuid.uuid4()))
    assert raised.value.status_code == 404
    assert json.loads(raised.value.body) == {"error": "image not found"}


def test_image_of_another_account_raises_api_error_404(moov: Moov) -> None:
    foreign = upload(moov, samples.png(), account=OTHER_ACCOUNT)
    upload(moov, samples.png(seed=2))  # the account asked about exists too
    with pytest.raises(errors.APIError) as raised:
        moov.images.get_metadata(account_id=ACCOUNT, image_id=foreign)
    assert raised.value.status_code == 404


def test_duplicate_upload_raises_generic_error_naming_the_existing_image(moov: Moov) -> None:
    data = samples.jpeg(seed=9)
    existing = upload(moov, data, alt_text="first")
    with pytest.raises(errors.GenericError) as raised:
        upload(moov, data)
    assert raised.value.raw_response.status_code == 409
    assert raised.value.data.error == "duplicate image"
    body = json.loads(raised.value.body)
    assert (body["imageID"], body["altText"]) == (existing, "first")
    assert {"publicID", "link", "createdOn", "updatedOn"} <= body.keys()
    assert "disabledOn" not in body  # optional, not nullable: left out when unset


def test_update_to_another_images_bytes_raises_generic_error_409(moov: Moov) -> None:
    first = upload(moov, samples.png(seed=1))
    second = upload(moov, samples.png(seed=2))
    with pytest.raises(errors.GenericError) as raised:
        moov.images.update(
            account_id=ACCOUNT,
            image_id=second,
            image={"file_name": "x.png", "content": samples.png(seed=1)},
        )
    assert raised.value.raw_response.status_code == 409
    assert json.loads(raised.value.body)["imageID"] == first


def test_upload_just_over_16_mb_raises_image_request_validation_error(moov: Moov) -> None:
    data = samples.png() + b"\0" * (16 * MiB)
    with pytest.raises(errors.ImageRequestValidationError) as raised:
        upload(moov, data)
    assert raised.value.raw_response.status_code == 422
    assert raised.value.data.image is not None and "larger than" in raised.value.data.image


def test_upload_far_over_16_mb_raises_image_request_validation_error(moov: Moov) -> None:
    with pytest.raises(errors.ImageRequestValidationError) as raised:
        upload(moov, b"\0" * (40 * MiB))
    assert raised.value.raw_response.status_code == 422
    assert raised.value.data.image is not None


@pytest.mark.parametrize(
    "data",
    [
        samples.gif(),
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"<!doctype html><html><body>hello</body></html>",
    ],
    ids=["gif", "svg", "html"],
)
def test_upload_of_another_format_raises_image_request_validation_error(
    moov: Moov, data: bytes
) -> None:
    with pytest.raises(errors.ImageRequestValidationError) as raised:
        upload(moov, data)
    assert raised.value.raw_response.status_code == 422
    assert raised.value.data.image


def test_upload_of_a_truncated_jpeg_raises_image_request_validation_error(moov: Moov) -> None:
    data = samples.jpeg(400, 300)
    with pytest.raises(errors.ImageRequestValidationError) as raised:
        upload(moov, data[: len(data) // 2])
    assert raised.value.data.image == "the image data is corrupt or truncated"


def test_upload_with_too_long_alt_text_raises_image_request_validation_error(moov: Moov) -> None:
    with pytest.raises(errors.ImageRequestValidationError) as raised:
        upload(moov, samples.png(), alt_text="x" * 1001)
    assert raised.value.data.metadata is not None
    assert raised.value.data.metadata.alt_text == "altText must be at most 1000 characters"


def test_update_metadata_with_too_long_alt_text_raises_image_metadata_validation_error(
    moov: Moov,
) -> None:
    image_id = upload(moov, samples.png(), alt_text="kept")
    with pytest.raises(errors.ImageMetadataValidationError) as raised:
        moov.images.update_metadata(account_id=ACCOUNT, image_id=image_id, alt_text="y" * 1001)
    assert raised.value.data.alt_text == "altText must be at most 1000 characters"
    assert moov.images.get_metadata(account_id=ACCOUNT, image_id=image_id).result.alt_text == (
        "kept"
    )


def test_upload_into_a_full_account_raises_generic_error_400(
    moov: Moov, api_runtime: Runtime, admin: tuple[str, str]
) -> None:
    # The Moov album's policy (dedupe, 300 images) with a limit small enough to reach here.
    scope = _account_scope(api_runtime)
    with api_runtime.transaction() as session:
        small = replace(vocabulary.MOOV_IMAGES.policy, max_images=2)
        albums.ensure(session, scope, AlbumType(vocabulary.MOOV_IMAGES.kind, small))
    upload(moov, samples.png(seed=1))
    upload(moov, samples.png(seed=2))
    with pytest.raises(errors.GenericError) as raised:
        upload(moov, samples.png(seed=3))
    assert raised.value.raw_response.status_code == 400
    assert raised.value.data.error == "image limit reached (2)"


def test_get_public_of_an_unknown_id_raises_api_error_404(moov: Moov) -> None:
    with pytest.raises(errors.APIError) as raised:
        moov.images.get_public(public_id="qJRAaAwwF5hmfeAFdHjIb")
    assert raised.value.status_code == 404
    assert json.loads(raised.value.body) == {"error": "image not found"}


def _account_scope(rt: Runtime) -> Scope:
    with rt.transaction() as session:
        space = spaces.ensure(session, vocabulary.MOOV_ACCOUNT, ACCOUNT)
        actor = actor_of(get_principal(session, "root"))
    return trusted_scope(space, actor)
