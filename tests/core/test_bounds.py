"""The shared checks of core/bounds.py: text fields and location paths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.core.bounds import PathBounds, check_text, check_tiers
from darkroom.errors import Invalid

CONTROLS = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]]


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40))
def test_printable_text_within_the_bound_is_kept(text: str) -> None:
    assert check_text(text, field="name", max_chars=40) == text


@pytest.mark.parametrize("control", CONTROLS, ids=[f"{ord(c):#04x}" for c in CONTROLS])
def test_each_control_character_is_refused_naming_the_field(control: str) -> None:
    with pytest.raises(Invalid, match="must not contain control characters") as caught:
        check_text(f"a{control}b", field="image_name", max_chars=255, multiline=True)
    assert caught.value.field == "image_name"


@pytest.mark.parametrize("brk", ["\n", "\r", "\t"])
def test_line_breaks_only_where_multiline(brk: str) -> None:
    assert check_text(f"a{brk}b", field="d", max_chars=9, multiline=True) == f"a{brk}b"
    with pytest.raises(Invalid):
        check_text(f"a{brk}b", field="d", max_chars=9)


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(Invalid):
        check_text("a\ud800", field="name", max_chars=9)


def test_text_over_the_bound_is_refused() -> None:
    with pytest.raises(Invalid, match="at most 3 characters"):
        check_text("abcd", field="name", max_chars=3)


@given(
    st.lists(st.text("abc ", min_size=1, max_size=6), max_size=8),
    st.integers(min_value=1, max_value=8),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=60),
)
def test_tiers_pass_exactly_when_within_every_bound(
    tiers: list[str], count: int, name_chars: int, path_chars: int
) -> None:
    bounds = PathBounds(tiers=count, tier_chars=name_chars, path_chars=path_chars)
    within = (
        len(tiers) <= count
        and all(len(t) <= name_chars for t in tiers)
        and len(" > ".join(t.strip() for t in tiers)) <= path_chars
    )
    if within:
        check_tiers(tiers, bounds)
    else:
        with pytest.raises(Invalid) as caught:
            check_tiers(tiers, bounds)
        assert caught.value.field == "path"
