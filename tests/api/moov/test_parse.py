"""The door's request parsers and version check, without a server."""

from __future__ import annotations

import pytest

from darkroom.api.moov import parse, versions
from darkroom.errors import Invalid


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, (0, 200)),
        ({"skip": "5", "count": "10"}, (5, 10)),
        ({"count": "5000"}, (0, 200)),
        ({"count": "0"}, (0, 0)),
        ({"skip": "99999999999999"}, (2**31 - 1, 200)),
    ],
    ids=["defaults", "given", "count-clamped", "count-zero", "skip-clamped"],
)
def test_page_reads_skip_and_count(query: dict[str, str], expected: tuple[int, int]) -> None:
    assert parse.page(query) == expected


@pytest.mark.parametrize("query", [{"skip": "-1"}, {"count": "-5"}, {"count": "ten"}])
def test_page_with_a_negative_or_non_integer_value_raises_invalid(query: dict[str, str]) -> None:
    with pytest.raises(Invalid):
        parse.page(query)


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, (400, 400)), ("0x150", (0, 150)), ("3000x9000", (2048, 2048)), ("10X20", (10, 20))],
    ids=["default", "proportional", "clamped", "upper-x"],
)
def test_size_reads_width_and_height(text: str | None, expected: tuple[int, int]) -> None:
    assert parse.size(text) == expected


@pytest.mark.parametrize("text", ["v2026.00.00", "v26.07.00", "v2026.07.0", " ", "2026.07.00"])
def test_version_check_refuses_malformed_values(text: str) -> None:
    assert versions.accepted(text) is (text == " ")  # blank counts as absent


def test_alt_text_of_1000_characters_is_accepted() -> None:
    assert parse.alt_text("a" * 1000, field="altText") == "a" * 1000


def test_alt_text_with_a_nul_character_raises_invalid() -> None:
    with pytest.raises(Invalid):
        parse.alt_text("a\x00b", field="altText")
