"""Verify: every blob's stored bytes are read back and rehashed against the name they carry."""

from __future__ import annotations

import io

from darkroom.api import vocabulary
from darkroom.core import albums, images
from darkroom.core.access import Scope
from darkroom.core.blobs import blob_key
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.core.verify import verify
from darkroom.storage import LocalStore
from tests import images as samples


def _stored_shas(runtime: Runtime, scope: Scope, count: int) -> list[str]:
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY)
    return [
        images.ingest(
            runtime, scope, album, io.BytesIO(samples.png(seed=seed)), NewImage()
        ).blob_sha256
        for seed in range(count)
    ]


def test_verify_empty_store_is_ok(runtime: Runtime) -> None:
    report = verify(runtime)
    assert report.ok
    assert report.checked == 0


def test_verify_clean_store_reports_ok_after_checking_every_blob(
    runtime: Runtime, scope: Scope
) -> None:
    _stored_shas(runtime, scope, 2)
    report = verify(runtime)
    assert report.ok
    assert (report.checked, report.missing, report.corrupt) == (2, [], [])


def test_verify_blob_with_one_flipped_byte_is_reported_corrupt(
    runtime: Runtime, scope: Scope, local_store: LocalStore
) -> None:
    damaged, intact = _stored_shas(runtime, scope, 2)
    path = local_store.root / blob_key(damaged)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    report = verify(runtime)
    assert not report.ok
    assert report.corrupt == [damaged]
    assert report.missing == []
    assert intact not in report.corrupt


def test_verify_blob_whose_file_was_deleted_is_reported_missing(
    runtime: Runtime, scope: Scope, local_store: LocalStore
) -> None:
    (gone,) = _stored_shas(runtime, scope, 1)
    (local_store.root / blob_key(gone)).unlink()
    report = verify(runtime)
    assert not report.ok
    assert report.missing == [gone]
    assert report.corrupt == []
