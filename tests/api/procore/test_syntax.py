"""Procore's query syntax: ranges, sort, page, bracket keys (darkroom.api.procore.syntax)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.api.procore.syntax import (
    parse_bracket_params,
    parse_date_range,
    parse_page,
    parse_sort,
    parse_time_range,
)
from darkroom.core.values import INT64_MAX, DateRange, Page, SortKey, TimeRange
from darkroom.errors import Invalid
from tests.strategies import tricky_text

FIELD = "filters[created_at]"
SORTS = {
    "created_at": "created_at",
    "taken_at": "taken_at",
    "id": "id",
    "exposure_date": "taken_at",
    "most_recent": "-created_at",
}


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


# --- parse_time_range ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024-01-02", utc(2024, 1, 2), utc(2024, 1, 3)),
        ("  2024-01-02 ", utc(2024, 1, 2), utc(2024, 1, 3)),
        ("2024-01-01...2024-01-05", utc(2024, 1, 1), utc(2024, 1, 6)),
        ("2024-01-05...2024-01-05", utc(2024, 1, 5), utc(2024, 1, 6)),
        (
            "2024-01-01T00:00:00Z...2024-01-31T23:59:59Z",
            utc(2024, 1, 1),
            utc(2024, 2, 1),
        ),
        (
            "2024-01-01T02:00:00+02:00...2024-01-01T09:59:59+02:00",
            utc(2024, 1, 1),
            utc(2024, 1, 1, 8),
        ),
        (
            "2024-01-01T00:00:00-05:30...2024-01-01T00:00:00-0530",
            utc(2024, 1, 1, 5, 30),
            utc(2024, 1, 1, 5, 30, 1),
        ),
        # An unencoded "+" in a query string arrives as a space.
        ("2024-01-01T02:00:00 02:00", utc(2024, 1, 1), utc(2024, 1, 1, 0, 0, 1)),
        ("2024-01-02T10:20:30Z", utc(2024, 1, 2, 10, 20, 30), utc(2024, 1, 2, 10, 20, 31)),
        ("2024-01-02 10:20:30", utc(2024, 1, 2, 10, 20, 30), utc(2024, 1, 2, 10, 20, 31)),
        ("2024-01-02T10:20Z", utc(2024, 1, 2, 10, 20), utc(2024, 1, 2, 10, 21)),
        (
            "2024-01-02T10:20:30.25Z",
            utc(2024, 1, 2, 10, 20, 30, 250000),
            utc(2024, 1, 2, 10, 20, 30, 260000),
        ),
        (
            "2024-01-02T10:20:30.123456789Z",
            utc(2024, 1, 2, 10, 20, 30, 123456),
            utc(2024, 1, 2, 10, 20, 30, 123457),
        ),
        ("2024-01-02T12:00:00Z...2024-01-02", utc(2024, 1, 2, 12), utc(2024, 1, 3)),
        ("2024-01-02...2024-01-02T00:00:00Z", utc(2024, 1, 2), utc(2024, 1, 2, 0, 0, 1)),
        # A start inside the end's last unit is not after it.
        (
            "2024-01-02T10:20:30.5Z...2024-01-02T10:20:30Z",
            utc(2024, 1, 2, 10, 20, 30, 500000),
            utc(2024, 1, 2, 10, 20, 31),
        ),
    ],
)
def test_parse_time_range_with_valid_text_gives_half_open_utc_range(
    text: str, start: datetime, end: datetime
) -> None:
    assert parse_time_range(text, field=FIELD) == TimeRange(start, end)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yesterday",
        "2024-1-2",
        "20240102",
        "2024-02-30",
        "2024-01-02T25:00:00Z",
        "2024-01-02T10:20:60Z",
        "2024-01-02T10:20:30+24:00",
        "2024-01-02T10:20:30+02:60",
        "2024-01-02T10:20:30+02:00:00",
        "2024-W01-1",
        "\uff12\uff10\uff12\uff14-01-02",  # full-width digits
        "2024-01-01..2024-01-02",
        "2024-01-01....2024-01-02",
        "2024-01-01...",
        "...2024-01-02",
        "2024-01-01...2024-01-02...2024-01-03",
        "9999-12-31",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_parse_time_range_with_malformed_text_raises_invalid(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_time_range(text, field=FIELD)
    assert caught.value.field == FIELD
    assert FIELD in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-03...2024-01-02",
        "2024-01-02T00:00:01Z...2024-01-02T00:00:00Z",
        "2024-01-03T00:00:00Z...2024-01-02",
        "2024-01-02T00:00:00+00:00...2024-01-02T01:00:00+02:00",
        "2024-01-02T00:00:01.5Z...2024-01-02T00:00:01.4Z",
    ],
)
def test_parse_time_range_with_start_after_end_raises_invalid(text: str) -> None:
    with pytest.raises(Invalid, match="starts after it ends"):
        parse_time_range(text, field=FIELD)


# --- parse_date_range ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024-01-02", date(2024, 1, 2), date(2024, 1, 2)),
        ("2024-01-02...2024-01-05", date(2024, 1, 2), date(2024, 1, 5)),
        (" 2024-01-02 ... 2024-01-02 ", date(2024, 1, 2), date(2024, 1, 2)),
        ("9999-12-31", date(9999, 12, 31), date(9999, 12, 31)),
    ],
)
def test_parse_date_range_with_dates_gives_inclusive_range(
    text: str, start: date, end: date
) -> None:
    assert parse_date_range(text, field="filters[log_date]") == DateRange(start, end)


@pytest.mark.parametrize(
    "text",
    ["", "2024-01-02T00:00:00Z", "2024-13-01", "2024-01-05...2024-01-02", "2024-01-02...x"],
)
def test_parse_date_range_with_bad_text_raises_invalid_naming_field(text: str) -> None:
    with pytest.raises(Invalid, match=r"filters\[log_date\]") as caught:
        parse_date_range(text, field="filters[log_date]")
    assert caught.value.field == "filters[log_date]"


# --- parse_sort ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("created_at", [SortKey("created_at", False)]),
        ("-created_at", [SortKey("created_at", True)]),
        ("taken_at,-id", [SortKey("taken_at", False), SortKey("id", True)]),
        ("exposure_date", [SortKey("taken_at", False)]),
        (" taken_at , , -id ,", [SortKey("taken_at", False), SortKey("id", True)]),
    ],
)
def test_parse_sort_with_allowed_names_gives_canonical_keys(
    text: str, expected: list[SortKey]
) -> None:
    assert parse_sort(text, allowed=SORTS) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("most_recent", SortKey("created_at", True)), ("-most_recent", SortKey("created_at", False))],
)
def test_parse_sort_with_descending_alias_flips_direction(text: str, expected: SortKey) -> None:
    assert parse_sort(text, allowed=SORTS) == [expected]


@pytest.mark.parametrize("text", ["name", "created_at,-name", "-", "CREATED_AT"])
def test_parse_sort_with_unknown_name_raises_invalid(text: str) -> None:
    with pytest.raises(Invalid, match="sort has unknown sort field") as caught:
        parse_sort(text, allowed=SORTS)
    assert caught.value.field == "sort"


def test_parse_sort_unknown_name_message_names_it_and_the_choices() -> None:
    with pytest.raises(Invalid) as caught:
        parse_sort("-name", allowed={"id": "id"}, field="order")
    assert caught.value.message == "order has unknown sort field 'name'; allowed: id"


# --- parse_page ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "per_page", "expected"),
    [
        (None, None, Page(offset=0, limit=100, number=1)),
        ("", " ", Page(offset=0, limit=100, number=1)),
        ("2", "5", Page(offset=5, limit=5, number=2)),
        ("3", None, Page(offset=200, limit=100, number=3)),
        ("1", "5000", Page(offset=0, limit=1000, number=1)),
        ("2", "0", Page(offset=1, limit=1, number=2)),
        ("1", "-4", Page(offset=0, limit=1, number=1)),
    ],
)
def test_parse_page_with_valid_values_gives_offset_and_clamped_limit(
    page: str | None, per_page: str | None, expected: Page
) -> None:
    assert parse_page(page, per_page, default_size=100, max_size=1000) == expected


@pytest.mark.parametrize(
    ("page", "per_page", "field"),
    [("0", None, "page"), ("-1", None, "page"), ("two", None, "page"), ("1", "x", "per_page")],
)
def test_parse_page_with_bad_value_raises_invalid_for_that_parameter(
    page: str, per_page: str | None, field: str
) -> None:
    with pytest.raises(Invalid, match=field) as caught:
        parse_page(page, per_page, default_size=100, max_size=1000)
    assert caught.value.field == field


def test_parse_page_with_offset_past_64_bits_raises_invalid() -> None:
    with pytest.raises(Invalid, match="page must be at most"):
        parse_page(str(INT64_MAX), "1000", default_size=100, max_size=1000)


# --- parse_bracket_params -----------------------------------------------------------------------


def test_parse_bracket_params_folds_rails_arrays_into_plain_key() -> None:
    items = [
        ("project_id", "1"),
        ("filters[trade_ids][]", "1"),
        ("filters[trade_ids][]", "2"),
        ("filters[trade_ids]", "3,4"),
        ("filters[code]", "a"),
        ("filters[code]", "b"),
    ]

    assert parse_bracket_params(items) == {
        "project_id": ["1"],
        "filters[trade_ids]": ["1", "2", "3,4"],
        "filters[code]": ["a", "b"],
    }


def test_parse_bracket_params_keeps_values_raw() -> None:
    assert parse_bracket_params([("filters[query]", " a b&c ")]) == {"filters[query]": [" a b&c "]}


# --- properties ---------------------------------------------------------------------------------

PARSERS: dict[str, Callable[[str], object]] = {
    "time_range": lambda text: parse_time_range(text, field="f"),
    "date_range": lambda text: parse_date_range(text, field="f"),
    "sort": lambda text: parse_sort(text, allowed=SORTS, field="f"),
}


@pytest.mark.parametrize("name", sorted(PARSERS))
@given(text=tricky_text)
def test_parser_with_any_text_returns_or_raises_invalid_naming_field(name: str, text: str) -> None:
    try:
        PARSERS[name](text)
    except Invalid as error:
        assert error.field == "f"
        assert error.message.startswith("f ")


@given(page=st.none() | tricky_text, per_page=st.none() | tricky_text)
def test_parse_page_with_any_text_returns_page_or_raises_invalid(
    page: str | None, per_page: str | None
) -> None:
    try:
        result = parse_page(page, per_page, default_size=100, max_size=1000)
    except Invalid as error:
        assert error.field in {"page", "per_page"}
    else:
        assert 1 <= result.limit <= 1000
        assert result.offset == (result.number - 1) * result.limit


offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
instants = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=offsets
)


@given(first=instants, second=instants)
def test_time_range_from_two_timestamps_contains_both_ends(
    first: datetime, second: datetime
) -> None:
    low, high = sorted([first, second])

    span = parse_time_range(f"{low.isoformat()}...{high.isoformat()}", field=FIELD)

    assert span.start == low
    assert span.start.utcoffset() == timedelta(0)
    assert span.start < span.end
    assert low in span
    assert high in span


@given(instant=instants)
def test_time_range_from_one_timestamp_contains_exactly_that_instant(instant: datetime) -> None:
    span = parse_time_range(instant.isoformat(), field=FIELD)

    assert span.start == instant
    assert instant in span
    assert span.end - span.start <= timedelta(seconds=1)


days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 30))


@given(day=days)
def test_time_range_from_formatted_date_covers_that_utc_day(day: date) -> None:
    span = parse_time_range(day.isoformat(), field=FIELD)

    assert span.start == datetime(day.year, day.month, day.day, tzinfo=UTC)
    assert span.end - span.start == timedelta(days=1)


@given(first=days, second=days)
def test_date_range_from_formatted_dates_round_trips(first: date, second: date) -> None:
    low, high = sorted([first, second])

    assert parse_date_range(low.isoformat(), field="d") == DateRange(low, low)
    assert parse_date_range(f"{low}...{high}", field="d") == DateRange(low, high)


@given(st.lists(st.tuples(st.sampled_from(["created_at", "taken_at", "id"]), st.booleans())))
def test_parse_sort_with_generated_names_gives_same_keys(keys: list[tuple[str, bool]]) -> None:
    text = ",".join(("-" if descending else "") + name for name, descending in keys)

    assert parse_sort(text, allowed=SORTS) == [SortKey(name, desc) for name, desc in keys]
