"""Two-phase uploads (spec §4): announce, POST the bytes to the named URL, create the image."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from darkroom.clock import utcnow
from darkroom.db.models import Upload
from tests import images as samples
from tests.api.procore.conftest import COMPANY, PROJECT, Procore, assert_error, ids

IMAGES = f"/rest/v1.0/images?project_id={PROJECT}"


def _announce(api: httpx.Client, path: str = f"/rest/v1.0/projects/{PROJECT}/uploads") -> Any:
    """What the generated client sends: an empty body with Content-Type: application/json."""
    response = api.post(path, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    return response.json()


def _send(upload: dict[str, Any], data: bytes, **changed: str) -> httpx.Response:
    """The S3-style form POST: every policy field as a text part, then the file."""
    fields = {**upload["fields"], **changed}
    files = {name: (None, value) for name, value in fields.items()}
    files["file"] = ("photo.jpg", data, "image/jpeg")
    return httpx.post(upload["url"], files=files)


def _uploaded(api: httpx.Client, seed: int = 0) -> str:
    upload = _announce(api)
    assert _send(upload, samples.jpeg(seed=seed)).status_code == 204
    uuid: str = upload["uuid"]
    return uuid


def _sdk_create(api: httpx.Client, upload_uuid: str, **attrs: Any) -> httpx.Response:
    """The generated client's multipart: upload_uuid, image_name, image as JSON text."""
    image = json.dumps({"private": False, **attrs})
    return api.post(
        IMAGES,
        files={
            "upload_uuid": (None, upload_uuid),
            "image_name": (None, "site.jpg"),
            "image": (None, image),
        },
    )


@pytest.mark.parametrize("version", ["v1.0", "v1.1"])
@pytest.mark.parametrize("level", [f"companies/{COMPANY}/uploads", f"projects/{PROJECT}/uploads"])
def test_upload_create_with_empty_json_body_returns_201_non_segmented(
    api: httpx.Client, version: str, level: str
) -> None:
    upload = _announce(api, f"/rest/{version}/{level}")
    assert upload["status"] == "non_segmented"
    assert "response_filename" not in upload
    assert upload["url"].startswith("http") and isinstance(upload["fields"]["key"], str)


def test_upload_create_with_json_fields_never_echoes_response_filename(api: httpx.Client) -> None:
    response = api.post(
        f"/rest/v1.0/projects/{PROJECT}/uploads",
        json={"response_filename": "a.jpg", "response_content_type": "image/jpeg"},
    )
    assert response.status_code == 201
    upload = response.json()
    assert upload.get("response_filename") is None
    assert upload["fields"]["Content-Type"] == "image/jpeg"
    assert 'filename="a.jpg"' in upload["fields"]["Content-Disposition"]


def test_upload_create_with_form_fields_returns_201(api: httpx.Client) -> None:
    response = api.post(
        f"/rest/v1.0/projects/{PROJECT}/uploads",
        files={
            "response_filename": (None, "a.jpg"),
            "response_content_type": (None, "image/jpeg"),
            "attachment_content_disposition": (None, "True"),
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["fields"]["Content-Disposition"].startswith("attachment")


def test_upload_create_with_python_repr_segments_part_returns_400(api: httpx.Client) -> None:
    response = api.post(
        f"/rest/v1.0/projects/{PROJECT}/uploads",
        files={"segments": (None, "{'size': 3, 'sha256': 'abc'}")},
    )
    assert_error(response, 400, "segments")


def test_upload_create_without_token_returns_401(procore: Procore) -> None:
    client = procore.client(who="")
    assert_error(client.post(f"/rest/v1.0/projects/{PROJECT}/uploads"), 401)


def test_upload_storage_post_with_policy_fields_returns_204(api: httpx.Client) -> None:
    upload = _announce(api)
    response = _send(upload, samples.jpeg())
    assert (response.status_code, response.content) == (204, b"")
    shown = api.get(f"/rest/v1.0/projects/{PROJECT}/uploads/{upload['uuid']}").json()
    assert shown["status"] == "complete" and "fields" not in shown


def test_upload_show_of_pending_upload_repeats_its_fields(api: httpx.Client) -> None:
    upload = _announce(api, f"/rest/v1.1/companies/{COMPANY}/uploads")
    shown = api.get(f"/rest/v1.1/companies/{COMPANY}/uploads/{upload['uuid']}")
    assert shown.status_code == 200
    assert shown.json()["fields"] == upload["fields"]


def test_upload_storage_post_with_wrong_signature_returns_403(api: httpx.Client) -> None:
    upload = _announce(api)
    response = _send(upload, samples.jpeg(), **{"x-amz-signature": "forged"})
    assert_error(response, 403, "policy")


def test_upload_storage_post_with_changed_key_returns_403(api: httpx.Client) -> None:
    upload = _announce(api)
    assert_error(_send(upload, samples.jpeg(), key="uploads/elsewhere"), 403)


def test_upload_storage_post_without_file_part_returns_400(api: httpx.Client) -> None:
    upload = _announce(api)
    files = {name: (None, value) for name, value in upload["fields"].items()}
    assert_error(httpx.post(upload["url"], files=files), 400, "file")


def test_upload_storage_post_after_an_hour_returns_403(procore: Procore, api: httpx.Client) -> None:
    upload = _announce(api)
    with procore.runtime.transaction() as session:
        row = session.get_one(Upload, upload["uuid"])
        row.extras = {**row.extras, "send_by": (utcnow() - timedelta(seconds=1)).isoformat()}
    assert_error(_send(upload, samples.jpeg()), 403, "expired")


def test_upload_storage_post_twice_returns_409(api: httpx.Client) -> None:
    upload = _announce(api)
    _send(upload, samples.jpeg())
    assert_error(_send(upload, samples.jpeg(seed=1)), 409)


def test_upload_storage_post_of_non_image_returns_422(api: httpx.Client) -> None:
    assert_error(_send(_announce(api), b"%PDF-1.4 not a photo"), 422)


def test_image_from_upload_with_generated_client_multipart_returns_201(
    api: httpx.Client,
) -> None:
    data = samples.jpeg(seed=3)
    upload = _announce(api)
    _send(upload, data)
    response = _sdk_create(api, upload["uuid"], description="from upload", trade_ids=[])
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["filename"], created["description"]) == ("site.jpg", "from upload")
    assert httpx.get(created["url"]).content == data


def test_image_from_upload_with_attachments_json_form_returns_201(api: httpx.Client) -> None:
    upload_uuid = _uploaded(api)
    body = {
        "upload": {"uuid": upload_uuid, "image_name": "doc.jpg", "source": "tablet"},
        "image": {"starred": True},
    }
    response = api.post(IMAGES, json=body)
    assert response.status_code == 201, response.text
    assert (response.json()["filename"], response.json()["starred"]) == ("doc.jpg", True)


def test_image_from_upload_with_reference_json_form_returns_201(api: httpx.Client) -> None:
    body = {"upload_uuid": _uploaded(api), "image_name": "ref.jpg", "image": {"private": True}}
    response = api.post(IMAGES, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["private"] is True


def test_image_from_company_upload_in_a_project_returns_201(api: httpx.Client) -> None:
    upload = _announce(api, f"/rest/v1.0/companies/{COMPANY}/uploads")
    _send(upload, samples.jpeg(seed=4))
    assert _sdk_create(api, upload["uuid"]).status_code == 201


def test_image_from_used_upload_returns_422(api: httpx.Client) -> None:
    upload_uuid = _uploaded(api)
    _sdk_create(api, upload_uuid)
    assert_error(_sdk_create(api, upload_uuid), 422, "already used")


def test_image_from_upload_without_bytes_returns_422(api: httpx.Client) -> None:
    assert_error(_sdk_create(api, _announce(api)["uuid"]), 422, "bytes")


def test_image_from_another_users_upload_returns_422(procore: Procore, api: httpx.Client) -> None:
    upload_uuid = _uploaded(procore.client("colleague"))
    assert_error(_sdk_create(api, upload_uuid), 422, "upload")


def test_image_from_upload_failing_validation_leaves_the_upload_usable(api: httpx.Client) -> None:
    upload_uuid = _uploaded(api)
    assert_error(_sdk_create(api, upload_uuid, trade_ids=[999]), 422, "trade")
    assert _sdk_create(api, upload_uuid).status_code == 201


def test_expired_upload_cannot_receive_bytes(procore: Procore, api: httpx.Client) -> None:
    upload = _announce(api)
    with procore.runtime.transaction() as session:
        session.execute(
            update(Upload).where(Upload.uuid == upload["uuid"]).values(expires_at=utcnow())
        )
    assert_error(_send(upload, samples.jpeg()), 403)


def test_full_upload_flow_lists_the_image(api: httpx.Client) -> None:
    upload_uuid = _uploaded(api, seed=8)
    created = _sdk_create(api, upload_uuid).json()
    assert ids(api.get(IMAGES)) == [created["id"]]


# --- segmented uploads ------------------------------------------------------------------------


def _parts(data: bytes) -> list[bytes]:
    middle = len(data) // 2
    return [data[:middle], data[middle:]]


def _announce_segments(api: httpx.Client, parts: list[bytes]) -> Any:
    segments = [
        {"size": len(p), "sha256": hashlib.sha256(p).hexdigest(), "md5": hashlib.md5(p).hexdigest()}
        for p in parts
    ]
    response = api.post(f"/rest/v1.0/projects/{PROJECT}/uploads", json={"segments": segments})
    assert response.status_code == 201, response.text
    return response.json()


def _put_parts(upload: dict[str, Any], parts: list[bytes]) -> list[str]:
    etags = []
    for segment, part in zip(upload["segments"], parts, strict=True):
        response = httpx.put(segment["url"], content=part, headers=segment["headers"])
        assert response.status_code == 200, response.text
        etags.append(response.headers["etag"])
    return etags


def _complete(api: httpx.Client, upload: dict[str, Any], etags: list[str]) -> httpx.Response:
    body = {"segments": [{"etag": etag} for etag in etags]}
    return api.patch(f"/rest/v1.1/projects/{PROJECT}/uploads/{upload['uuid']}", json=body)


def test_segmented_upload_create_returns_ready_with_part_urls(api: httpx.Client) -> None:
    parts = _parts(samples.jpeg(seed=20))
    upload = _announce_segments(api, parts)
    assert upload["status"] == "ready" and "response_filename" not in upload
    first = upload["segments"][0]
    assert first["size"] == len(parts[0]) and first["url"].startswith("http")
    assert first["headers"]["content-length"] == str(len(parts[0]))
    assert first["headers"]["x-amz-content-sha256"] == hashlib.sha256(parts[0]).hexdigest()


def test_segmented_upload_full_flow_makes_an_image(api: httpx.Client) -> None:
    data = samples.jpeg(seed=21)
    parts = _parts(data)
    upload = _announce_segments(api, parts)
    etags = _put_parts(upload, parts)
    assert etags[0] == f'"{hashlib.md5(parts[0]).hexdigest()}"'
    completed = _complete(api, upload, etags)
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "complete"
    created = _sdk_create(api, upload["uuid"])
    assert created.status_code == 201, created.text
    assert httpx.get(created.json()["url"]).content == data


def test_segment_put_with_wrong_token_returns_403(api: httpx.Client) -> None:
    parts = _parts(samples.jpeg(seed=22))
    upload = _announce_segments(api, parts)
    url = upload["segments"][0]["url"].split("?")[0] + "?token=forged"
    assert_error(httpx.put(url, content=parts[0]), 403, "token")


def test_segment_put_with_other_bytes_returns_422(api: httpx.Client) -> None:
    parts = _parts(samples.jpeg(seed=23))
    upload = _announce_segments(api, parts)
    response = httpx.put(upload["segments"][0]["url"], content=b"x" * len(parts[0]))
    assert_error(response, 422, "sha256")


def test_segmented_complete_with_wrong_etag_returns_422(api: httpx.Client) -> None:
    parts = _parts(samples.jpeg(seed=24))
    upload = _announce_segments(api, parts)
    etags = _put_parts(upload, parts)
    assert_error(_complete(api, upload, [etags[0], '"0000"']), 422, "etag")


def test_segmented_complete_with_missing_part_returns_422(api: httpx.Client) -> None:
    parts = _parts(samples.jpeg(seed=25))
    upload = _announce_segments(api, parts)
    etags = _put_parts({"segments": upload["segments"][:1]}, parts[:1])
    assert_error(_complete(api, upload, [etags[0], '"abc"']), 422, "not received")


def test_segmented_upload_over_the_size_cap_returns_413(api: httpx.Client) -> None:
    segments = [{"size": 1 << 40, "sha256": "ab" * 32}]
    response = api.post(f"/rest/v1.0/projects/{PROJECT}/uploads", json={"segments": segments})
    assert_error(response, 413)
