"""Procore's list parameters within bounds (issue 11), as properties of the parsers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.api.procore import params
from darkroom.api.procore.params import MAX_LOCATION_IDS
from darkroom.core.bounds import MAX_LIST_ITEMS
from darkroom.errors import Invalid

ranges = st.lists(
    st.tuples(st.integers(0, 10**6), st.integers(0, 12_000)).map(
        lambda r: f"{r[0]}...{r[0] + r[1]}"
    )
    | st.integers(0, 10**6).map(str),
    max_size=12,
)


@given(ranges)
def test_location_ids_expand_to_at_most_the_bound_or_are_refused(items: list[str]) -> None:
    try:
        found = params.image_list({"filters[location_id]": [",".join(items)]})
    except Invalid as error:
        assert error.field == "filters[location_id]"
        return
    assert len(found.query.location_ids) <= MAX_LOCATION_IDS


def test_many_ranges_under_the_span_cap_are_refused_by_their_total() -> None:
    many = ",".join(f"{n * 10_000}...{n * 10_000 + 5_000}" for n in range(3))
    with pytest.raises(Invalid, match=f"at most {MAX_LOCATION_IDS} items"):
        params.image_list({"filters[location_id]": [many]})


@pytest.mark.parametrize(
    "key", ["filters[id]", "filters[trade_ids]", "filters[image_category_id]", "image_category_id"]
)
@given(count=st.integers(MAX_LIST_ITEMS - 2, MAX_LIST_ITEMS + 2))
def test_every_id_list_filter_is_bounded(key: str, count: int) -> None:
    query = {key: [",".join(str(n) for n in range(1, count + 1))]}
    if count <= MAX_LIST_ITEMS:
        params.image_list(query)
    else:
        with pytest.raises(Invalid, match=f"at most {MAX_LIST_ITEMS} items"):
            params.image_list(query)


@given(count=st.integers(MAX_LIST_ITEMS - 1, MAX_LIST_ITEMS + 1))
def test_location_list_filters_are_bounded(count: int) -> None:
    codes = {"filters[code]": [",".join(f"c{n}" for n in range(count))]}
    if count <= MAX_LIST_ITEMS:
        params.location_list(codes)
    else:
        with pytest.raises(Invalid):
            params.location_list(codes)
