from __future__ import annotations

from datetime import UTC, datetime

import pytest

from darkroom.media._exif import parse_coordinate, parse_datetime, value


def test_value_strips_libvips_description() -> None:
    raw = "2024:01:02 10:20:30 (2024:01:02 10:20:30, ASCII, 20 components, 20 bytes)"
    assert value(raw) == "2024:01:02 10:20:30"


def test_parse_datetime_without_offset_returns_utc() -> None:
    raw = "2024:01:02 10:20:30 (2024:01:02 10:20:30, ASCII, 20 components, 20 bytes)"
    assert parse_datetime(raw) == datetime(2024, 1, 2, 10, 20, 30, tzinfo=UTC)


def test_parse_datetime_with_offset_converts_to_utc() -> None:
    parsed = parse_datetime("2024:01:02 10:20:30", "+02:00 (+02:00, ASCII, 7 components, 7 bytes)")
    assert parsed == datetime(2024, 1, 2, 8, 20, 30, tzinfo=UTC)
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "    :  :     :  :   (, ASCII, 20 components, 20 bytes)",
        "0000:00:00 00:00:00",
        "2024:13:40 10:20:30",
        "yesterday",
    ],
)
def test_parse_datetime_blank_or_malformed_returns_none(raw: str | None) -> None:
    assert parse_datetime(raw) is None


def test_parse_coordinate_south_returns_negative_degrees() -> None:
    raw = "48/1 51/1 2964/100 (48, 51, 29.64, Rational, 3 components, 24 bytes)"
    got = parse_coordinate(raw, "S (S, ASCII, 2 components, 2 bytes)", bound=90)
    assert got == pytest.approx(-(48 + 51 / 60 + 29.64 / 3600))


def test_parse_coordinate_east_returns_positive_degrees() -> None:
    assert parse_coordinate("2/1 17/1 40/1", "E", bound=180) == pytest.approx(
        2 + 17 / 60 + 40 / 3600
    )


@pytest.mark.parametrize("raw", [None, "0/0 0/0 0/0", "91/1 0/1 0/1", "1/1 2/1 3/1 4/1", "north"])
def test_parse_coordinate_missing_or_impossible_returns_none(raw: str | None) -> None:
    assert parse_coordinate(raw, "N", bound=90) is None
