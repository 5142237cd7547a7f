"""Locations: a space's tree of places, each named by its full path ("B1 > F2 > R3")."""

from __future__ import annotations

import io

import pytest

from darkroom.core import albums, images, locations
from darkroom.core.access import Scope
from darkroom.core.images import NewImage
from darkroom.core.locations import LocationQuery
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.records import LocationRecord
from darkroom.core.runtime import Runtime
from darkroom.core.values import SortKey
from darkroom.errors import Invalid, NotFound
from tests import images as samples
from tests.conftest import scope_for

ANYTHING = AlbumType("test-any", AlbumPolicy())


@pytest.fixture
def elsewhere(runtime: Runtime, scope: Scope) -> Scope:
    return scope_for(runtime, scope.actor, "acct-other")


def _path(runtime: Runtime, scope: Scope, *tiers: str) -> LocationRecord:
    return locations.at_path(runtime, scope, tiers)[0]


def _paths(runtime: Runtime, scope: Scope, **filters: object) -> list[str]:
    page = locations.search(runtime, scope, LocationQuery(**filters))  # type: ignore[arg-type]
    return [node.path for node in page.items]


def _tree(runtime: Runtime, scope: Scope) -> dict[str, LocationRecord]:
    """B1 > F1 > R1, B1 > F2 and B2."""
    for tiers in (("B1", "F1", "R1"), ("B1", "F2"), ("B2",)):
        _path(runtime, scope, *tiers)
    return {node.path: node for node in locations.search(runtime, scope, LocationQuery()).items}


# --- making the tree ------------------------------------------------------------------------------


def test_add_a_child_names_it_by_its_parents_path_and_its_own_name(
    runtime: Runtime, scope: Scope
) -> None:
    building = locations.add(runtime, scope, "B1")
    floor = locations.add(runtime, scope, " F2 ", parent_id=building.id, code="f-2")
    assert (building.path, building.parent_id) == ("B1", None)
    assert (floor.node_name, floor.path, floor.parent_id) == ("F2", "B1 > F2", building.id)
    assert floor.code == "f-2"


def test_add_at_a_path_that_exists_raises_invalid(runtime: Runtime, scope: Scope) -> None:
    building = locations.add(runtime, scope, "B1")
    locations.add(runtime, scope, "F1", parent_id=building.id)
    with pytest.raises(Invalid):
        locations.add(runtime, scope, "F1", parent_id=building.id)


def test_add_with_an_empty_name_raises_invalid(runtime: Runtime, scope: Scope) -> None:
    with pytest.raises(Invalid) as refused:
        locations.add(runtime, scope, "  ")
    assert refused.value.field == "node_name"


def test_at_path_makes_the_missing_tiers_and_says_it_did(runtime: Runtime, scope: Scope) -> None:
    made, created = locations.at_path(runtime, scope, ["B1", " F2 ", "R3"])
    again, created_again = locations.at_path(runtime, scope, ["B1", "F2", "R3"])
    assert (made.path, created) == ("B1 > F2 > R3", True)
    assert (again.id, created_again) == (made.id, False)
    assert _paths(runtime, scope) == ["B1", "B1 > F2", "B1 > F2 > R3"]


def test_at_path_with_an_empty_tier_raises_invalid(runtime: Runtime, scope: Scope) -> None:
    with pytest.raises(Invalid) as refused:
        locations.at_path(runtime, scope, ["B1", " "])
    assert refused.value.field == "path"
    assert _paths(runtime, scope) == []


def test_add_path_makes_a_new_location_with_its_code_and_refuses_an_existing_one(
    runtime: Runtime, scope: Scope
) -> None:
    made = locations.add_path(runtime, scope, ["B1", "F2"], code="x")
    assert (made.path, made.code) == ("B1 > F2", "x")
    with pytest.raises(Invalid):
        locations.add_path(runtime, scope, ["B1", "F2"])


# --- searching ------------------------------------------------------------------------------------


def test_search_by_text_matches_part_of_the_full_path_in_any_case(
    runtime: Runtime, scope: Scope
) -> None:
    _tree(runtime, scope)
    assert _paths(runtime, scope, search="b1 > f") == ["B1 > F1", "B1 > F1 > R1", "B1 > F2"]


def test_search_text_takes_wildcard_characters_literally(runtime: Runtime, scope: Scope) -> None:
    for name in ("100%", "1000", "a_b", "axb"):
        locations.add(runtime, scope, name)
    assert _paths(runtime, scope, search="0%") == ["100%"]
    assert _paths(runtime, scope, search="a_") == ["a_b"]


def test_search_with_code_matches_the_path_or_the_code(runtime: Runtime, scope: Scope) -> None:
    locations.add(runtime, scope, "Lobby", code="ZZ-9")
    locations.add(runtime, scope, "Zz garage")
    locations.add(runtime, scope, "Roof")
    assert _paths(runtime, scope, search_with_code="zz") == ["Lobby", "Zz garage"]


def test_search_sublocations_are_the_descendants_and_superlocations_the_ancestors(
    runtime: Runtime, scope: Scope
) -> None:
    tree = _tree(runtime, scope)
    below = _paths(runtime, scope, sublocations_for=tree["B1"].id)
    above = _paths(runtime, scope, superlocations_for=tree["B1 > F1 > R1"].id)
    assert below == ["B1 > F1", "B1 > F1 > R1", "B1 > F2"]
    assert above == ["B1", "B1 > F1"]


def test_search_by_depth_counts_a_root_as_one(runtime: Runtime, scope: Scope) -> None:
    _tree(runtime, scope)
    assert _paths(runtime, scope, depth=(2, 3)) == ["B1 > F1", "B1 > F1 > R1", "B1 > F2"]
    assert _paths(runtime, scope, depth=(1, 1)) == ["B1", "B2"]


def test_search_pages_in_the_order_asked_and_counts_every_match(
    runtime: Runtime, scope: Scope
) -> None:
    _tree(runtime, scope)
    query = LocationQuery(sort=[SortKey("name", descending=True)], offset=1, limit=2)
    page = locations.search(runtime, scope, query)
    assert [node.path for node in page.items] == ["B1 > F2", "B1 > F1 > R1"]
    assert page.total == 5


def test_search_sorted_by_an_unknown_field_raises_invalid(runtime: Runtime, scope: Scope) -> None:
    with pytest.raises(Invalid) as refused:
        locations.search(runtime, scope, LocationQuery(sort=[SortKey("colour", False)]))
    assert refused.value.field == "sort"


# --- changing -------------------------------------------------------------------------------------


def test_change_a_name_renames_every_path_below_it(runtime: Runtime, scope: Scope) -> None:
    tree = _tree(runtime, scope)
    renamed = locations.change(runtime, scope, tree["B1"].id, node_name="Main")
    assert (renamed.node_name, renamed.path) == ("Main", "Main")
    assert _paths(runtime, scope) == ["B2", "Main", "Main > F1", "Main > F1 > R1", "Main > F2"]


def test_change_of_parent_moves_the_subtree_under_it(runtime: Runtime, scope: Scope) -> None:
    tree = _tree(runtime, scope)
    moved = locations.change(runtime, scope, tree["B1 > F1"].id, parent_id=tree["B2"].id)
    assert (moved.path, moved.parent_id) == ("B2 > F1", tree["B2"].id)
    assert locations.find(runtime, scope, tree["B1 > F1 > R1"].id).path == "B2 > F1 > R1"


def test_change_of_parent_to_none_makes_a_root(runtime: Runtime, scope: Scope) -> None:
    tree = _tree(runtime, scope)
    moved = locations.change(runtime, scope, tree["B1 > F1"].id, parent_id=None)
    assert (moved.path, moved.parent_id) == ("F1", None)
    assert locations.find(runtime, scope, tree["B1 > F1 > R1"].id).path == "F1 > R1"


def test_change_moving_a_location_below_itself_raises_invalid(
    runtime: Runtime, scope: Scope
) -> None:
    tree = _tree(runtime, scope)
    with pytest.raises(Invalid) as refused:
        locations.change(runtime, scope, tree["B1"].id, parent_id=tree["B1 > F1 > R1"].id)
    assert refused.value.field == "parent_id"
    assert locations.find(runtime, scope, tree["B1"].id).path == "B1"


def test_change_to_a_path_that_exists_raises_invalid_and_changes_nothing(
    runtime: Runtime, scope: Scope
) -> None:
    tree = _tree(runtime, scope)
    with pytest.raises(Invalid):
        locations.change(runtime, scope, tree["B1 > F2"].id, node_name="F1")
    assert _paths(runtime, scope) == ["B1", "B1 > F1", "B1 > F1 > R1", "B1 > F2", "B2"]


def test_change_of_code_alone_keeps_the_path(runtime: Runtime, scope: Scope) -> None:
    tree = _tree(runtime, scope)
    changed = locations.change(runtime, scope, tree["B1 > F1"].id, code="c1")
    assert (changed.path, changed.code) == ("B1 > F1", "c1")


# --- deleting -------------------------------------------------------------------------------------


def test_delete_removes_the_subtree_and_its_images_keep_no_location(
    runtime: Runtime, scope: Scope
) -> None:
    tree = _tree(runtime, scope)
    album = albums.provide(runtime, scope, ANYTHING)
    room = tree["B1 > F1 > R1"].id
    data = io.BytesIO(samples.jpeg(16, 12))
    image = images.add(runtime, scope, album.id, data, NewImage(location_id=room))
    locations.delete(runtime, scope, tree["B1"].id)
    assert _paths(runtime, scope) == ["B2"]
    assert images.find(runtime, scope, image.id).location is None


# --- scoping --------------------------------------------------------------------------------------


def test_find_or_delete_of_another_spaces_location_raises_not_found(
    runtime: Runtime, scope: Scope, elsewhere: Scope
) -> None:
    foreign = locations.add(runtime, elsewhere, "B1")
    with pytest.raises(NotFound):
        locations.find(runtime, scope, foreign.id)
    with pytest.raises(NotFound):
        locations.delete(runtime, scope, foreign.id)
    assert _paths(runtime, elsewhere) == ["B1"]


def test_add_under_another_spaces_location_raises_not_found(
    runtime: Runtime, scope: Scope, elsewhere: Scope
) -> None:
    foreign = locations.add(runtime, elsewhere, "B1")
    with pytest.raises(NotFound):
        locations.add(runtime, scope, "F1", parent_id=foreign.id)


def test_change_moving_under_another_spaces_location_raises_invalid(
    runtime: Runtime, scope: Scope, elsewhere: Scope
) -> None:
    mine = locations.add(runtime, scope, "B1")
    foreign = locations.add(runtime, elsewhere, "B2")
    with pytest.raises(Invalid) as refused:
        locations.change(runtime, scope, mine.id, parent_id=foreign.id)
    assert refused.value.field == "parent_id"


def test_search_sees_only_the_scopes_tree(runtime: Runtime, scope: Scope, elsewhere: Scope) -> None:
    _path(runtime, scope, "B1", "F1")
    foreign = _path(runtime, elsewhere, "B1", "F1")
    assert _paths(runtime, scope) == ["B1", "B1 > F1"]
    assert _paths(runtime, scope, superlocations_for=foreign.id) == []
