"""`darkroom backfill`: placeholders and EXIF facts for blobs stored before darkroom kept them.

Such blobs are made here by ingesting through the core and then clearing the new columns, which
is what migration 0008 leaves on blobs stored before it.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import update

from darkroom.api import vocabulary
from darkroom.core import albums, backfill, images
from darkroom.core.access import Role
from darkroom.core.blobs import blob_key
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.db.models import Blob
from tests import images as samples
from tests.cli.runner import run
from tests.conftest import make_actor, scope_for

CAMERA = {"exif-ifd0-Make": "Leica", "exif-ifd0-Model": "Q3", "exif-ifd2-LensModel": "Summilux"}


def _old_blobs(core: Runtime, count: int = 1, *, width: int = 64, height: int = 48) -> list[str]:
    """``count`` blobs as they were before darkroom kept placeholders and camera facts."""
    scope = scope_for(core, make_actor(core, "importer", Role.ADMIN))
    with core.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    shas = []
    for seed in range(count):
        data = samples.jpeg_with_exif({**CAMERA, "exif-ifd0-Software": f"v{seed}"}, width, height)
        shas.append(images.ingest(core, scope, album, io.BytesIO(data), NewImage()).blob_sha256)
    with core.transaction() as session:
        session.execute(
            update(Blob).values(
                placeholder=None,
                perceptual_hash=None,
                camera_make=None,
                camera_model=None,
                lens=None,
            )
        )
    return shas


def _blob(core: Runtime, sha: str) -> Blob:
    with core.reading() as session:
        return session.get_one(Blob, sha)


def test_backfill_fills_placeholder_and_camera_of_an_old_blob(
    data_dir: Path, core: Runtime
) -> None:
    (sha,) = _old_blobs(core)
    result = run(data_dir, "backfill")
    assert result.exit_code == 0, result.output
    assert "filled 1 of 1 blobs, 0 failed" in result.stdout
    blob = _blob(core, sha)
    assert blob.placeholder is not None
    assert (blob.camera_make, blob.camera_model, blob.lens) == ("Leica", "Q3", "Summilux")


def test_backfill_dry_run_counts_and_changes_nothing(data_dir: Path, core: Runtime) -> None:
    (sha,) = _old_blobs(core)
    result = run(data_dir, "backfill", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would fill 1 of 1 blobs" in result.stdout
    assert _blob(core, sha).placeholder is None


def test_backfill_run_again_has_nothing_left_to_do(data_dir: Path, core: Runtime) -> None:
    _old_blobs(core)
    assert run(data_dir, "backfill").exit_code == 0
    result = run(data_dir, "backfill")
    assert result.exit_code == 0, result.output
    assert "filled 0 of 0 blobs" in result.stdout


def test_backfill_off_a_terminal_prints_a_line_per_batch(data_dir: Path, core: Runtime) -> None:
    _old_blobs(core, 3)
    result = run(data_dir, "backfill", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "2/3 blobs visited" in lines and "3/3 blobs visited" in lines


def test_backfill_blob_without_bytes_is_named_and_exits_1(data_dir: Path, core: Runtime) -> None:
    gone, kept = _old_blobs(core, 2)
    core.store.delete(blob_key(gone))
    result = run(data_dir, "backfill")
    assert result.exit_code == 1, result.output
    assert f"failed {gone}" in result.stdout
    assert "filled 1 of 2 blobs, 1 failed" in result.stdout
    assert _blob(core, kept).placeholder is not None


def test_backfill_stopped_midway_keeps_finished_batches_and_resumes(
    data_dir: Path, core: Runtime
) -> None:
    _old_blobs(core, 3)

    class Stop(Exception):
        pass

    seen: list[str] = []

    def stop_at_the_second(visited: backfill.Visited) -> None:
        seen.append(visited.sha256)
        if len(seen) == 2:
            raise Stop

    with pytest.raises(Stop):
        backfill.backfill(core, batch_size=1, on_blob=stop_at_the_second)
    assert backfill.pending(core) == 2  # the first batch was written, the second was not
    result = run(data_dir, "backfill")
    assert "filled 2 of 2 blobs" in result.stdout
    assert backfill.pending(core) == 0


def test_backfill_placeholder_decodes_to_the_image_shape(data_dir: Path, core: Runtime) -> None:
    import base64

    from darkroom.media._thumbhash import decode

    (sha,) = _old_blobs(core, width=2400, height=1600)  # has a mezzanine to hash
    assert run(data_dir, "backfill").exit_code == 0
    placeholder = _blob(core, sha).placeholder
    assert placeholder is not None
    width, height, _ = decode(base64.b64decode(placeholder))
    assert width / height == pytest.approx(1.5, rel=0.1)
