"""The ``/v1`` query parsers (``api/v1/params.py``): cursors go round and anything else is a
400 (``Invalid``), never another exception; dates and filters parse or refuse the same way."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from darkroom.api.v1 import params
from darkroom.core.catalog import KEY_TYPES, Sort
from darkroom.errors import Invalid
from tests.strategies import tricky_text

MOMENTS = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9000, 1, 1), timezones=st.just(UTC)
)
IDS = st.integers(min_value=1, max_value=2**63 - 1)
VALUES = {datetime: MOMENTS, int: IDS, str: st.text(max_size=100)}


@st.composite
def sorts_and_keys(draw: st.DrawFn) -> tuple[Sort, tuple[object, ...]]:
    order = draw(st.sampled_from(list(Sort)))
    key = tuple(draw(VALUES[kind]) for kind in KEY_TYPES[order])
    return order, key


# The machine's two cores are shared: the first draws may be slow for reasons of its own.
RELAXED = settings(suppress_health_check=[HealthCheck.too_slow])


@RELAXED
@given(sorts_and_keys())
def test_a_cursor_decodes_to_the_key_it_was_made_of(case: tuple[Sort, tuple[object, ...]]) -> None:
    order, key = case
    assert params.decode_cursor(params.encode_cursor(order, key), order) == key


@RELAXED
@given(sorts_and_keys(), st.sampled_from(list(Sort)))
def test_a_cursor_is_refused_for_another_sort(
    case: tuple[Sort, tuple[object, ...]], other: Sort
) -> None:
    order, key = case
    cursor = params.encode_cursor(order, key)
    if other is not order:
        with pytest.raises(Invalid):
            params.decode_cursor(cursor, other)


@given(tricky_text, st.sampled_from(list(Sort)))
def test_any_text_as_a_cursor_is_a_key_or_invalid(text: str, order: Sort) -> None:
    try:
        key = params.decode_cursor(text, order)
    except Invalid as error:
        assert error.field == "cursor"
    else:
        assert tuple(type(value) for value in key) == KEY_TYPES[order]


@given(st.binary(max_size=200), st.sampled_from(list(Sort)))
def test_any_base64_payload_as_a_cursor_is_a_key_or_invalid(raw: bytes, order: Sort) -> None:
    text = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    try:
        params.decode_cursor(text, order)
    except Invalid as error:
        assert error.field == "cursor"


@given(tricky_text)
def test_any_text_as_a_date_is_an_instant_or_invalid(text: str) -> None:
    try:
        moment = params.instant(text, field="taken_from", end=False)
    except Invalid as error:
        assert error.field == "taken_from"
    else:
        assert moment.tzinfo is not None


@given(st.dates(min_value=datetime(1970, 1, 2).date(), max_value=datetime(9000, 1, 1).date()))
def test_a_date_range_covers_the_whole_last_day(day: date) -> None:
    text = str(day)
    span = params.span(text, text, field="taken")
    assert span.start is not None and span.end is not None
    assert span.end - span.start == timedelta(days=1)


FILTERS = [
    "q",
    "album",
    "taken_from",
    "taken_to",
    "uploaded_from",
    "uploaded_to",
    "format",
    "starred",
    "private",
    "trashed",
    "space",
]


@given(st.dictionaries(st.sampled_from(FILTERS), tricky_text, max_size=6))
def test_any_query_gives_filters_or_invalid_naming_a_parameter(query: dict[str, str]) -> None:
    try:
        params.filters(QueryParams(query))
    except Invalid as error:
        assert error.field in FILTERS


@given(tricky_text)
def test_any_limit_is_one_to_200_or_invalid(text: str) -> None:
    try:
        found = params.limit(QueryParams({"limit": text}))
    except Invalid as error:
        assert error.field == "limit"
    else:
        assert 1 <= found <= params.MAX_LIMIT


def test_a_naive_time_is_read_as_utc() -> None:
    moment = params.instant("2026-08-01T10:00:00", field="taken_from", end=False)
    assert moment == datetime(2026, 8, 1, 10, tzinfo=UTC)


def test_a_date_to_before_its_from_is_invalid() -> None:
    with pytest.raises(Invalid) as refused:
        params.span("2026-08-02", "2026-08-01", field="taken")
    assert refused.value.field == "taken_to"
