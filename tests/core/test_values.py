"""The value types of queries (darkroom.core.values)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from darkroom.core.values import INT64_MAX, DateRange, TimeRange, parse_id


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def test_time_range_contains_start_but_not_end() -> None:
    span = TimeRange(utc(2024, 1, 1), utc(2024, 1, 2))

    assert utc(2024, 1, 1) in span
    assert utc(2024, 1, 2) not in span
    assert "2024-01-01" not in span


def test_date_range_contains_both_ends_and_refuses_datetimes() -> None:
    days = DateRange(date(2024, 1, 1), date(2024, 1, 3))

    assert date(2024, 1, 1) in days
    assert date(2024, 1, 3) in days
    assert date(2024, 1, 4) not in days
    assert utc(2024, 1, 2) not in days


@pytest.mark.parametrize(
    ("text", "expected"), [("1", 1), ("42", 42), ("007", 7), (str(INT64_MAX), INT64_MAX)]
)
def test_parse_id_with_positive_ascii_digits_gives_int(text: str, expected: int) -> None:
    assert parse_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0",
        "000",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1.0",
        "0x10",
        "١٢",
        "²",
        str(INT64_MAX + 1),
        "9" * 5000,
    ],
)
def test_parse_id_with_anything_else_gives_none(text: str) -> None:
    assert parse_id(text) is None
