"""The value types of queries (darkroom.core.values)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.core.values import INT64_MAX, DateRange, TimeRange, parse_duration, parse_id
from darkroom.errors import Invalid


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


UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


@given(number=st.integers(1, 999_999_999), unit=st.sampled_from(sorted(UNIT_SECONDS)))
def test_parse_duration_reads_a_number_and_its_unit(number: int, unit: str) -> None:
    assert parse_duration(f"{number}{unit}") == number * UNIT_SECONDS[unit]
    assert parse_duration(f" {number}{unit.upper()} ") == number * UNIT_SECONDS[unit]


@pytest.mark.parametrize("text", ["", "d", "0", "0d", "-1h", "1.5h", "30x", "1e3", "1234567890s"])
def test_parse_duration_refuses_anything_else(text: str) -> None:
    with pytest.raises(Invalid, match="bad duration"):
        parse_duration(text)
