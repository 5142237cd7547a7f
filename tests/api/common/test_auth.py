"""Parsing credentials out of Authorization headers."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.api.common.auth import parse_basic, parse_bearer


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_parse_basic_returns_user_and_password() -> None:
    assert parse_basic(basic("alice", "pw:with:colons")) == ("alice", "pw:with:colons")


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic", "Basic ", "Basic Og==", "Basic !!!", "Bearer abc", basic("", "pw")],
    ids=[
        "none",
        "empty",
        "no-value",
        "blank",
        "empty-credentials",
        "not-base64",
        "bearer",
        "no-user",
    ],
)
def test_parse_basic_without_usable_credentials_returns_none(header: str | None) -> None:
    assert parse_basic(header) is None


@given(st.text(min_size=1).filter(lambda s: ":" not in s), st.text())
def test_parse_basic_round_trips_any_credentials(user: str, password: str) -> None:
    assert parse_basic(basic(user, password)) == (user, password)


@given(st.text())
def test_parse_basic_never_raises(header: str) -> None:
    parse_basic(header)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        (None, None),
    ],
)
def test_parse_bearer(header: str | None, token: str | None) -> None:
    assert parse_bearer(header) == token
