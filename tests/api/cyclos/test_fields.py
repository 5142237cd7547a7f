"""Cyclos' field selection (darkroom.api.cyclos.fields)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.api.cyclos.fields import FieldSelector, apply_fields, parse_fields
from tests.strategies import tricky_text

# --- parse_fields and apply_fields --------------------------------------------------------------

IMAGE = {
    "id": "x1",
    "name": "roof.jpg",
    "url": "https://example/roof.jpg",
    "size": {"width": 10, "height": 20},
    "owner": {"id": "u1", "display": "Ann", "email": "a@example"},
}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], IMAGE),
        (["id,name"], {"id": "x1", "name": "roof.jpg"}),
        (["id", "name"], {"id": "x1", "name": "roof.jpg"}),
        (["-url,!owner"], {k: v for k, v in IMAGE.items() if k not in {"url", "owner"}}),
        (["id,size.width"], {"id": "x1", "size": {"width": 10}}),
        (
            ["owner.-email"],
            {"owner": {"id": "u1", "display": "Ann"}},
        ),
        (["size,size.height"], {"size": {"height": 20}}),
        (["id,-id"], {}),
        (["*,-url,-owner,-size"], {"id": "x1", "name": "roof.jpg"}),
        (["+owner.-email"], {**IMAGE, "owner": {"id": "u1", "display": "Ann"}}),
        ([" id , ,name.", ""], {"id": "x1", "name": "roof.jpg"}),
        (["missing"], {}),
    ],
)
def test_apply_fields_with_selection_keeps_selected_keys(
    values: list[str], expected: dict[str, Any]
) -> None:
    assert apply_fields(IMAGE, parse_fields(values)) == expected


def test_apply_fields_with_cyclos_doc_example_selects_nested_fields() -> None:
    data = {"a": 1, "b": {"b1": 1, "b2": 2}, "c": {"c1": 1, "c2": 2, "c3": 3}, "d": 4}

    selected = apply_fields(data, parse_fields(["a,b.b1,c.-c1,c.-c2"]))

    assert selected == {"a": 1, "b": {"b1": 1}, "c": {"c3": 3}}


def test_apply_fields_with_list_applies_to_each_element() -> None:
    data = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]

    assert apply_fields(data, parse_fields(["id"])) == [{"id": 1}, {"id": 2}]


@pytest.mark.parametrize("value", [1, "text", None, True, 2.5])
def test_apply_fields_with_scalar_returns_it_unchanged(value: object) -> None:
    assert apply_fields(value, parse_fields(["id"])) == value


def test_parse_fields_repeated_and_comma_separated_values_give_same_selector() -> None:
    assert parse_fields(["a", "b.c"]) == parse_fields(["b.c,a"])


def test_parse_fields_with_nothing_gives_empty_selector() -> None:
    assert parse_fields(["", " , ", "."]) == FieldSelector()
    assert not FieldSelector()


# --- properties ---------------------------------------------------------------------------------


@given(values=st.lists(tricky_text, max_size=4))
def test_parse_fields_with_any_text_never_raises(values: list[str]) -> None:
    parse_fields(values)


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=8)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4),
    max_leaves=20,
)
objects = st.dictionaries(names, json_values, max_size=8)


@given(json_values)
def test_apply_fields_with_empty_selector_is_identity(data: Any) -> None:
    assert apply_fields(data, parse_fields([])) == data


@given(data=objects, chosen=st.sets(names, max_size=6))
def test_apply_fields_whitelist_keeps_subset_of_input_keys(
    data: dict[str, Any], chosen: set[str]
) -> None:
    selected = apply_fields(data, parse_fields([",".join(sorted(chosen))]))

    assert set(selected) <= set(data)
    assert set(selected) == (set(data) & chosen if chosen else set(data))


@given(data=objects, chosen=st.sets(names, max_size=6), prefix=st.sampled_from(["-", "!"]))
def test_apply_fields_blacklist_removes_exactly_named_keys(
    data: dict[str, Any], chosen: set[str], prefix: str
) -> None:
    selected = apply_fields(data, parse_fields([prefix + name for name in sorted(chosen)]))

    assert selected == {key: value for key, value in data.items() if key not in chosen}
