"""The generation moves with every change to what a capability delivers, and only then; other
instances learn of it from the database's counter."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from darkroom.api import vocabulary
from darkroom.config import Settings
from darkroom.core import albums, images
from darkroom.core.access import Scope
from darkroom.core.generation import Generation
from darkroom.core.images import ImageChanges, NewImage
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime, open_runtime
from tests import images as samples


def _add(runtime: Runtime, scope: Scope, seed: int = 1) -> ImageRecord:
    album = albums.provide(runtime, scope, vocabulary.PROCORE_CATEGORY)
    data = io.BytesIO(samples.jpeg(seed=seed))
    return images.add(runtime, scope, album.id, data, NewImage())


def _moved(runtime: Runtime, change: object) -> bool:
    before = runtime.generation.current()
    assert callable(change)
    change()
    return runtime.generation.current() != before


def test_an_upload_leaves_the_generation_alone(runtime: Runtime, scope: Scope) -> None:
    assert not _moved(runtime, lambda: _add(runtime, scope))


def test_a_purge_moves_the_generation(runtime: Runtime, scope: Scope) -> None:
    image = _add(runtime, scope)
    assert _moved(runtime, lambda: images.purge(runtime, scope, image.id))


def test_trash_and_restore_each_move_the_generation(runtime: Runtime, scope: Scope) -> None:
    image = _add(runtime, scope)
    assert _moved(runtime, lambda: images.move_to_trash(runtime, scope, image.id))
    fallback = vocabulary.PROCORE_UNCLASSIFIED
    restore = lambda: images.take_from_trash(runtime, scope, image.id, fallback=fallback)  # noqa: E731
    assert _moved(runtime, restore)


def test_making_an_image_private_moves_the_generation(runtime: Runtime, scope: Scope) -> None:
    image = _add(runtime, scope)
    private = ImageChanges(private=True)
    assert _moved(runtime, lambda: images.change(runtime, scope, image.id, private))


def test_new_bytes_move_the_generation(runtime: Runtime, scope: Scope) -> None:
    image = _add(runtime, scope, seed=1)
    other = io.BytesIO(samples.jpeg(seed=2))
    assert _moved(runtime, lambda: images.replace_bytes(runtime, scope, image.id, other))


def test_an_edit_of_words_leaves_the_generation_alone(runtime: Runtime, scope: Scope) -> None:
    image = _add(runtime, scope)
    words = ImageChanges(description="the north wall")
    assert not _moved(runtime, lambda: images.change(runtime, scope, image.id, words))


def test_a_change_rolled_back_leaves_the_generation_alone(runtime: Runtime, scope: Scope) -> None:
    image = _add(runtime, scope)
    before = runtime.generation.current()
    with pytest.raises(RuntimeError), runtime.transaction() as session:
        images.trash(session, scope, images.get(session, scope, image.id))
        session.flush()
        raise RuntimeError("abandoned")
    assert runtime.generation.current() == before


def test_another_instance_sees_the_change_after_one_poll(
    runtime: Runtime, scope: Scope, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "elsewhere",
        database_url=runtime.settings.database_url,
        storage_url=runtime.settings.storage_url,
        change_poll_seconds=0,
    )
    other = open_runtime(settings)
    try:
        image = _add(runtime, scope)
        other.generation.poll_once()
        before = other.generation.current()
        images.move_to_trash(runtime, scope, image.id)
        assert other.generation.current() == before  # nothing told it yet
        other.generation.poll_once()
        assert other.generation.current() != before
    finally:
        other.close()


def test_workers_of_one_instance_share_its_generation(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "run" / "generation"
    first, second = Generation(path, runtime.engine, poll_seconds=0), None
    try:
        second = Generation(path, runtime.engine, poll_seconds=0)
        before = second.current()
        first.advance()
        assert second.current() == before + 1
    finally:
        first.close()
        if second is not None:
            second.close()
