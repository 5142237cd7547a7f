"""HEIC at the Moov door: Moov takes PNG, JPEG and WebP only, so a phone's HEIC is refused
with Moov's 422 body, as any other format is, though darkroom itself can now decode it."""

from __future__ import annotations

import pytest
from moovio_sdk import Moov
from moovio_sdk.models import errors

from tests import images as samples
from tests.api.moov.conftest import ACCOUNT, upload


def test_heic_upload_raises_image_request_validation_error_422(moov: Moov) -> None:
    with pytest.raises(errors.ImageRequestValidationError) as raised:
        upload(moov, samples.heic_photo(120, 90))
    response = raised.value.raw_response
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"image"}
    assert body["image"] == "HEIC is not accepted here; use JPEG, PNG, WEBP"


def test_heic_upload_refused_leaves_the_account_empty(moov: Moov) -> None:
    with pytest.raises(errors.ImageRequestValidationError):
        upload(moov, samples.heic_photo(120, 90))
    assert not moov.images.list(account_id=ACCOUNT).result
