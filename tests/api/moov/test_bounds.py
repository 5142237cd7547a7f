"""Moov inputs and outputs as Moov's schema describes them (issue 11): optional non-nullable
fields left out when unset, JSON within bounds, alt text without control characters."""

from __future__ import annotations

import json

import httpx

from tests import images as samples
from tests.api.moov.conftest import ACCOUNT

IMAGES = f"/accounts/{ACCOUNT}/images"


def test_unset_alt_text_and_disabled_on_are_left_out_not_null(http: httpx.Client) -> None:
    answer = http.post(IMAGES, files={"image": ("a.png", samples.png(), "image/png")})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert "altText" not in body and "disabledOn" not in body
    assert set(body) == {"imageID", "publicID", "link", "createdOn", "updatedOn"}
    listed = http.get(IMAGES).json()
    assert all("altText" not in item and "disabledOn" not in item for item in listed)


def test_a_set_alt_text_is_sent(http: httpx.Client) -> None:
    parts = {
        "image": ("a.png", samples.png(), "image/png"),
        "metadata": (None, json.dumps({"altText": "a square"}), "application/json"),
    }
    assert http.post(IMAGES, files=parts).json()["altText"] == "a square"


def test_deeply_nested_metadata_json_is_a_400_not_a_500(http: httpx.Client) -> None:
    image = http.post(IMAGES, files={"image": ("a.png", samples.png(), "image/png")}).json()
    nested = '{"altText": "x", "extra": ' + "[" * 10_000 + "]" * 10_000 + "}"
    answer = http.put(
        f"{IMAGES}/{image['imageID']}/metadata",
        content=nested,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "the body must be a JSON object"}


def test_nul_in_alt_text_is_a_422_in_the_operation_shape(http: httpx.Client) -> None:
    image = http.post(IMAGES, files={"image": ("a.png", samples.png(), "image/png")}).json()
    answer = http.put(f"{IMAGES}/{image['imageID']}/metadata", json={"altText": "a\x00b"})
    assert answer.status_code == 422
    assert answer.json() == {"altText": "altText must not contain control characters"}


def test_line_breaks_in_alt_text_are_kept(http: httpx.Client) -> None:
    image = http.post(IMAGES, files={"image": ("a.png", samples.png(), "image/png")}).json()
    answer = http.put(f"{IMAGES}/{image['imageID']}/metadata", json={"altText": "one\ntwo"})
    assert answer.json()["altText"] == "one\ntwo"
