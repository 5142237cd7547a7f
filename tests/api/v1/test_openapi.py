"""``/v1/openapi.json``: an OpenAPI document of ``/v1`` alone, served without credentials."""

from __future__ import annotations

import httpx
import pytest

EXPECTED = {
    ("post", "/v1/session"),
    ("delete", "/v1/session"),
    ("get", "/v1/me"),
    ("get", "/v1/spaces"),
    ("get", "/v1/spaces/{space}/albums"),
    ("post", "/v1/spaces/{space}/albums"),
    ("get", "/v1/images"),
    ("get", "/v1/images/{image_id}"),
    ("patch", "/v1/images/{image_id}"),
    ("delete", "/v1/images/{image_id}"),
    ("get", "/v1/images/{image_id}/content"),
    ("get", "/v1/images/{image_id}/similar"),
    ("post", "/v1/albums/{album_id}/images"),
    ("put", "/v1/albums/{album_id}/order"),
    ("post", "/v1/images/{image_id}/trash"),
    ("post", "/v1/images/{image_id}/restore"),
    ("post", "/v1/images/{image_id}/share"),
    ("delete", "/v1/trash"),
}


def _document(anonymous: httpx.Client) -> dict[str, object]:
    answer = anonymous.get("/v1/openapi.json")
    assert answer.status_code == 200
    document: dict[str, object] = answer.json()
    return document


def test_the_document_lists_every_v1_operation_and_nothing_else(anonymous: httpx.Client) -> None:
    paths = _document(anonymous)["paths"]
    assert isinstance(paths, dict)
    found = {(method, path) for path, operations in paths.items() for method in operations}
    assert found == EXPECTED


def test_the_document_is_openapi_3_with_both_ways_to_authenticate(
    anonymous: httpx.Client,
) -> None:
    document = _document(anonymous)
    assert str(document["openapi"]).startswith("3.")
    components = document["components"]
    assert isinstance(components, dict)
    assert set(components["securitySchemes"]) == {"bearer", "session"}


def test_the_list_operation_documents_its_query_parameters(anonymous: httpx.Client) -> None:
    paths = _document(anonymous)["paths"]
    assert isinstance(paths, dict)
    names = {p["name"] for p in paths["/v1/images"]["get"]["parameters"]}
    assert {"q", "cursor", "limit", "sort", "format", "trashed"} <= names


def test_the_document_is_valid_openapi(anonymous: httpx.Client) -> None:
    # openapi-spec-validator comes with moto[server], a test dependency; skip where it is not.
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(_document(anonymous))
