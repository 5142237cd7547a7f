"""The bounded JSON parser every door uses (api/common/json_body.py): depth, int64, framing."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.api.common.json_body import MAX_JSON_ITEMS, BadJSON, loads
from darkroom.errors import Invalid

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
json_values = st.recursive(
    st.none() | st.booleans() | INT64 | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    return 0


@given(json_values)
def test_json_within_bounds_parses_as_json_does(value: Any) -> None:
    text = json.dumps(value)
    if _depth(value) <= 32:
        assert loads(text) == json.loads(text)
    else:
        with pytest.raises(BadJSON):
            loads(text)


@given(st.integers(min_value=1, max_value=60), st.sampled_from(["[", '{"k":']))
def test_nesting_is_refused_exactly_past_the_bound(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = opener * depth + "0" + closer * depth
    if depth <= 32:
        assert _depth(loads(text)) == depth
    else:
        with pytest.raises(BadJSON, match="nested deeper than 32"):
            loads(text)


def test_nesting_far_past_the_interpreter_stack_is_bad_json() -> None:
    with pytest.raises(BadJSON):
        loads("[" * 200_000 + "]" * 200_000)


@given(st.integers(min_value=2**63) | st.integers(max_value=-(2**63) - 1))
def test_integers_past_64_bits_are_invalid(number: int) -> None:
    with pytest.raises(Invalid, match="64 bits") as caught:
        loads(f'{{"id": {number}}}')
    assert not isinstance(caught.value, BadJSON)


def test_an_integer_of_ten_thousand_digits_is_invalid_not_a_value_error() -> None:
    with pytest.raises(Invalid, match="64 bits"):
        loads("[" + "7" * 10_000 + "]")


@given(st.binary())
def test_any_bytes_parse_or_raise_invalid(raw: bytes) -> None:
    with contextlib.suppress(Invalid):  # anything else escaping fails the test
        loads(raw)


def test_a_body_of_many_values_is_refused_before_parsing() -> None:
    with pytest.raises(BadJSON, match=f"more than {MAX_JSON_ITEMS} values"):
        loads("[" + "0," * MAX_JSON_ITEMS + "0]")


def test_a_long_string_is_not_many_values() -> None:
    assert loads('{"data": "' + "A" * 5_000_000 + '"}')["data"] == "A" * 5_000_000
