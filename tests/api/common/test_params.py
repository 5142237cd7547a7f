"""The query-value parsers more than one door shares (darkroom.api.common.params)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.api.common.params import parse_bool, parse_int, parse_int_list
from darkroom.core.values import INT64_MAX
from darkroom.errors import Invalid
from tests.strategies import tricky_text

# --- parse_bool, parse_int, parse_int_list ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("1", True),
        ("false", False),
        ("False", False),
        ("0", False),
        (" true ", True),
    ],
)
def test_parse_bool_with_known_spelling_gives_bool(text: str, expected: bool) -> None:
    assert parse_bool(text, field="filters[private]") is expected


@pytest.mark.parametrize("text", ["", "yes", "no", "None", "2", "t", "truee"])
def test_parse_bool_with_other_text_raises_invalid(text: str) -> None:
    with pytest.raises(Invalid, match=r"filters\[private\] must be true or false"):
        parse_bool(text, field="filters[private]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("-7", -7),
        ("+7", 7),
        (" 5 ", 5),
        ("007", 7),
        (str(INT64_MAX), INT64_MAX),
    ],
)
def test_parse_int_with_decimal_text_gives_int(text: str, expected: int) -> None:
    assert parse_int(text, field="n") == expected


@pytest.mark.parametrize(
    "text", ["", "1.0", "1e3", "1_000", "0x10", "١٢", "--1", str(INT64_MAX + 1), "9" * 5000]
)
def test_parse_int_with_non_integer_raises_invalid(text: str) -> None:
    with pytest.raises(Invalid, match="n must be an integer") as caught:
        parse_int(text, field="n")
    assert caught.value.field == "n"


@pytest.mark.parametrize(
    ("text", "message"), [("0", "n must be at least 1"), ("11", "n must be at most 10")]
)
def test_parse_int_outside_bounds_raises_invalid(text: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_int(text, field="n", minimum=1, maximum=10)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        (["1,2"], [1, 2]),
        (["1", "2"], [1, 2]),
        (["4,5", "6"], [4, 5, 6]),
        (["1,,2,", " "], [1, 2]),
        (["3,1,3", "1,2"], [3, 1, 2]),
        ([" 7 , 8 "], [7, 8]),
    ],
)
def test_parse_int_list_with_values_splits_skips_blanks_and_dedupes(
    values: list[str], expected: list[int]
) -> None:
    assert parse_int_list(values, field="filters[id]") == expected


def test_parse_int_list_with_non_integer_raises_invalid_naming_item() -> None:
    with pytest.raises(Invalid, match=r"filters\[id\].*'x'") as caught:
        parse_int_list(["1,x"], field="filters[id]")
    assert caught.value.field == "filters[id]"


# --- properties ---------------------------------------------------------------------------------

PARSERS: dict[str, Callable[[str], object]] = {
    "bool": lambda text: parse_bool(text, field="f"),
    "int": lambda text: parse_int(text, field="f", minimum=-5, maximum=10**12),
    "int_list": lambda text: parse_int_list([text, text], field="f"),
}


@pytest.mark.parametrize("name", sorted(PARSERS))
@given(text=tricky_text)
def test_parser_with_any_text_returns_or_raises_invalid_naming_field(name: str, text: str) -> None:
    try:
        PARSERS[name](text)
    except Invalid as error:
        assert error.field == "f"
        assert error.message.startswith("f ")


int64s = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(st.lists(int64s))
def test_parse_int_list_with_both_wire_forms_gives_the_ints(numbers: list[int]) -> None:
    expected = list(dict.fromkeys(numbers))
    repeated = [str(n) for n in numbers]

    assert parse_int_list([",".join(repeated)], field="ids") == expected
    assert parse_int_list(repeated, field="ids") == expected


# --- bounds (issue 11) --------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=50))
def test_parse_int_list_refuses_more_items_than_its_bound(count: int, bound: int) -> None:
    values = [",".join(str(n) for n in range(count))]
    if count <= bound:
        assert parse_int_list(values, field="ids", max_items=bound) == list(range(count))
    else:
        with pytest.raises(Invalid, match=f"at most {bound} items") as caught:
            parse_int_list(values, field="ids", max_items=bound)
        assert caught.value.field == "ids"


def test_parse_int_list_bound_defaults_to_a_thousand() -> None:
    assert len(parse_int_list([",".join(map(str, range(1000)))], field="ids")) == 1000
    with pytest.raises(Invalid, match="at most 1000 items"):
        parse_int_list([",".join(map(str, range(1001)))], field="ids")
