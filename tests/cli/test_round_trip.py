"""`darkroom export`, then `darkroom import` of it into an empty darkroom: the same space, field
by field (issue 13)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from darkroom.api import vocabulary
from darkroom.config import Settings
from darkroom.core import albums, images, locations, spaces, trades
from darkroom.core.access import Scope, SpaceRole, trusted_scope
from darkroom.core.images import NewImage
from darkroom.core.records import ImageRecord, image_records
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.db.models import Album, Image, Space, Trade
from tests.cli.runner import run
from tests.conftest import make_actor
from tests.images import photo_like, png

SPACE = "procore-company:1"


def _photo(seed: int) -> bytes:
    return bytes(photo_like(seed, 320, 240).jpegsave_buffer(Q=85))


def _fill(core: Runtime) -> None:
    """Two albums (a gallery album and a Procore category), a location, trades, every field set
    on some image, an order that is not the upload order, the same bytes in both albums, and an
    image in the trash (which is not exported)."""
    ada = make_actor(core, "ada")
    with core.transaction() as session:
        space = spaces.ensure(session, "procore-company", "1", seeds=vocabulary.SEEDS)
        scope = trusted_scope(space, ada, SpaceRole.MANAGER)
        trip = albums.create(session, scope, vocabulary.V1_GALLERY, name="Trip", private=True)
        roof = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY, "42", name="Roof")
        floor, _ = locations.find_or_create_path(session, scope, ["Building A", "Floor 2"])
        roofing = trades.create(session, scope, "Roofing")
        general = session.scalar(
            select(Trade.id).where(Trade.space_id == space.id, Trade.name == "General")
        )
        assert general is not None
        ids = {"trip": trip.id, "roof": roof.id, "floor": floor.id}
        tagged = [roofing.id, general]
    add = _adder(core, scope)
    first = add(ids["trip"], _photo(1), NewImage(name="pier.jpg"))
    add(
        ids["trip"],
        _photo(2),
        NewImage(
            name="roofline.jpg",
            description="North side",
            alt_text="A roof against the sky",
            private=True,
            starred=True,
            log_date=date(2024, 3, 4),
            location_id=ids["floor"],
            trade_ids=tagged,
            gps_lat=48.85,
            gps_long=2.35,
            taken_at=datetime(2024, 3, 4, 10, 11, 12, tzinfo=UTC),
            extras={"metadata": {"source": "drone", "n": 3}},
        ),
    )
    third = add(ids["trip"], png(60, 40), NewImage(name="plan.png"))
    images.put_in_order(core, scope, ids["trip"], [third, first])
    add(ids["roof"], _photo(1), NewImage(name="pier again.jpg", description="same bytes"))
    gone = add(ids["roof"], _photo(3), NewImage(name="gone.jpg"))
    images.move_to_trash(core, scope, gone)


def _adder(core: Runtime, scope: Scope) -> Callable[[int, bytes, NewImage], int]:
    def add(album_id: int, data: bytes, new: NewImage) -> int:
        return images.add(core, scope, album_id, io.BytesIO(data), new).id

    return add


def _records(core: Runtime) -> dict[str, dict[str, Any]]:
    """Every live image of the space by uuid, as the fields an export must carry over."""
    with core.reading() as session:
        space = session.scalar(select(Space).where(Space.external_id == "1"))
        assert space is not None
        rows = list(
            session.scalars(
                select(Image).where(Image.space_id == space.id, Image.deleted_at.is_(None))
            )
        )
        return {record.uuid: _fields(record) for record in image_records(session, rows)}


def _fields(record: ImageRecord) -> dict[str, Any]:
    album = record.album
    return {
        "public_id": record.public_id,
        "key": record.key,
        "album": (album.kind, album.external_id, album.name, album.private, album.position),
        "album_policy": album.policy,
        "position": record.position,
        "sha256": record.blob.sha256,
        "size": (record.width, record.height, record.blob.byte_size, record.blob.format),
        "name": record.name,
        "description": record.description,
        "alt_text": record.alt_text,
        "private": record.private,
        "starred": record.starred,
        "log_date": record.log_date,
        "taken_at": record.taken_at,
        "gps": (record.gps_lat, record.gps_long),
        "location": record.location.path if record.location else None,
        "trades": sorted(trade.name for trade in record.trades),
        "uploader": record.uploader.name if record.uploader else None,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "extras": dict(record.extras),
    }


@pytest.fixture
def exported(core: Runtime) -> dict[str, dict[str, Any]]:
    """The space made by ``_fill``, as ``_records`` sees it."""
    _fill(core)
    return _records(core)


def _restored(tmp_path: Path, source: Path) -> dict[str, dict[str, Any]]:
    """``source`` imported into a new, empty darkroom that has user ada."""
    fresh = tmp_path / "fresh"
    assert run(fresh, "users", "create", "ada", "--password", "pw").exit_code == 0
    result = run(fresh, "import", str(source), "--into", SPACE)
    assert result.exit_code == 0, result.output
    rt = open_runtime(Settings(data_dir=fresh))
    try:
        return _records(rt)
    finally:
        rt.close()


def test_an_exported_folder_imports_back_field_by_field(
    exported: dict[str, dict[str, Any]], data_dir: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "export"
    done = run(data_dir, "export", SPACE, str(dest))
    assert done.exit_code == 0, done.output
    restored = _restored(tmp_path, dest)
    assert len(exported) == 4
    assert restored.keys() == exported.keys()
    for uuid, fields in exported.items():
        assert restored[uuid] == fields, uuid


def test_an_exported_zip_imports_back_field_by_field(
    exported: dict[str, dict[str, Any]], data_dir: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "space.zip"
    done = run(data_dir, "export", SPACE, str(archive), "--format", "zip")
    assert done.exit_code == 0, done.output
    restored = _restored(tmp_path, archive)
    assert restored == exported


def test_importing_an_export_twice_finds_everything_present(
    exported: dict[str, dict[str, Any]], data_dir: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "export"
    assert run(data_dir, "export", SPACE, str(dest)).exit_code == 0
    _restored(tmp_path, dest)
    again = run(tmp_path / "fresh", "import", str(dest), "--into", SPACE)
    assert again.exit_code == 0, again.output
    assert "0 imported, 4 already present, 0 refused" in again.output


def test_an_export_imported_beside_its_original_gets_new_ids(
    exported: dict[str, dict[str, Any]], data_dir: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "export"
    assert run(data_dir, "export", SPACE, str(dest)).exit_code == 0
    result = run(data_dir, "import", str(dest), "--into", "procore-company:2")
    assert result.exit_code == 0, result.output
    rt = open_runtime(Settings(data_dir=data_dir))
    try:
        with rt.reading() as session:
            uuids = list(session.scalars(select(Image.uuid)))
            beside = session.execute(
                select(Album.kind, Album.name)
                .join(Space, Space.id == Album.space_id)
                .where(Space.external_id == "2")
            )
            albums_beside = sorted(tuple(row) for row in beside)
    finally:
        rt.close()
    assert len(uuids) == len(set(uuids)) == 2 * len(exported) + 1  # + the trashed one
    # Category 42 is one across spaces: beside its original, a gallery album takes its images.
    assert albums_beside == [("gallery", "Roof"), ("gallery", "Trip")]
