"""`darkroom duplicates SPACE`: exact and near copies of one picture in a space (issue 13)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from darkroom.api import vocabulary
from darkroom.core import albums, duplicates, images
from darkroom.core.access import Role, Scope
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from tests.cli.runner import run
from tests.conftest import make_actor, scope_for
from tests.images import photo_like

SPACE = "moov-account:acct1"


@pytest.fixture
def scope(core: Runtime) -> Scope:
    return scope_for(core, make_actor(core, "owner", Role.ADMIN))


def _add(core: Runtime, scope: Scope, data: bytes, name: str) -> int:
    with core.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    return images.ingest(core, scope, album, io.BytesIO(data), NewImage(name=name)).id


def test_an_exact_copy_and_a_resized_copy_are_reported_apart(core: Runtime, scope: Scope) -> None:
    picture = photo_like(seed=1)
    original = picture.jpegsave_buffer(Q=90)
    first = _add(core, scope, original, "beach.jpg")
    again = _add(core, scope, original, "beach (1).jpg")
    smaller = _add(core, scope, picture.resize(0.4).jpegsave_buffer(Q=70), "beach-small.jpg")
    _add(core, scope, photo_like(seed=2).jpegsave_buffer(), "forest.jpg")
    groups = duplicates.find_groups(core, scope.space.id)
    assert [(g.exact, sorted(m.image_id for m in g.members)) for g in groups] == [
        (True, [first, again]),
        (False, [first, again, smaller]),
    ]


def test_unrelated_pictures_make_no_group(core: Runtime, scope: Scope) -> None:
    for seed in range(2, 6):
        _add(core, scope, photo_like(seed=seed, width=600, height=400).jpegsave_buffer(), "p.jpg")
    assert duplicates.find_groups(core, scope.space.id) == []


def test_a_trashed_copy_is_left_out(core: Runtime, scope: Scope) -> None:
    data = photo_like(seed=3, width=600, height=400).jpegsave_buffer()
    _add(core, scope, data, "a.jpg")
    copy = _add(core, scope, data, "b.jpg")
    images.move_to_trash(core, scope, copy)
    assert duplicates.find_groups(core, scope.space.id) == []


def test_distance_zero_joins_only_identical_hashes(core: Runtime, scope: Scope) -> None:
    picture = photo_like(seed=4, width=800, height=600)
    _add(core, scope, picture.jpegsave_buffer(Q=90), "a.jpg")
    _add(core, scope, picture.crop(16, 12, 768, 576).jpegsave_buffer(Q=60), "b.jpg")
    assert len(duplicates.find_groups(core, scope.space.id, distance=8)) == 1
    groups = duplicates.find_groups(core, scope.space.id, distance=0)
    assert all(group.exact for group in groups)


def test_the_command_prints_a_table_of_the_groups(
    data_dir: Path, core: Runtime, scope: Scope
) -> None:
    data = photo_like(seed=5, width=600, height=400).jpegsave_buffer()
    _add(core, scope, data, "harbour.jpg")
    _add(core, scope, data, "harbour copy.jpg")
    result = run(data_dir, "duplicates", SPACE)
    assert result.exit_code == 0, result.output
    assert "harbour.jpg" in result.stdout and "harbour copy.jpg" in result.stdout
    assert "600x400" in result.stdout
    assert f"1 exact and 0 near groups in {SPACE}" in result.stdout


def test_the_command_refuses_a_space_that_does_not_exist(data_dir: Path, core: Runtime) -> None:
    result = run(data_dir, "duplicates", "moov-account:nobody")
    assert result.exit_code != 0
    assert "moov-account:nobody does not exist" in result.output


def test_the_command_refuses_a_distance_beyond_64(data_dir: Path, core: Runtime) -> None:
    result = run(data_dir, "duplicates", SPACE, "--distance", "65")
    assert result.exit_code == 2
