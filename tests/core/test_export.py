"""Export of a space: originals byte-identical in album order, sidecars, manifest, zip."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import pytest
import pyvips

from darkroom.api import vocabulary
from darkroom.core import albums, archive, export, images, locations, sidecar, trades
from darkroom.core.access import Role, Scope
from darkroom.core.blobs import blob_key
from darkroom.core.filenames import safe_file_name, safe_name, unique
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.core.temporary import TEMPORARY_ALBUM
from darkroom.db.models import Album, Image
from darkroom.errors import Invalid
from darkroom.media import ImageFormat
from tests import images as samples
from tests.conftest import make_actor, scope_for, sqlite_runtime

SPACE = "moov-account:acct1"
CAMERA = {
    "exif-ifd0-Make": "Fujifilm",
    "exif-ifd0-Model": "X100V",
    "exif-ifd2-LensModel": "23mm F2",
    "exif-ifd2-DateTimeOriginal": "2024:05:06 07:08:09",
}


@pytest.fixture
def core(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    """SQLite and a local store: most of these tests are about files, not the database."""
    with sqlite_runtime(tmp_path, sqlite_template) as rt:
        yield rt


@pytest.fixture
def owner(core: Runtime) -> Scope:
    return scope_for(core, make_actor(core, "owner", Role.ADMIN))


def _album(rt: Runtime, scope: Scope, name: str, external_id: str | None = None) -> int:
    with rt.transaction() as session:
        if external_id is None:
            made = albums.create(session, scope, vocabulary.V1_GALLERY, name=name)
        else:
            made = albums.ensure(
                session, scope, vocabulary.PROCORE_CATEGORY, external_id, name=name
            )
        session.flush()
        return made.id


def _add(rt: Runtime, scope: Scope, album_id: int, data: bytes, new: NewImage) -> int:
    with rt.reading() as session:
        album = session.get_one(Album, album_id)
    return images.ingest(rt, scope, album, io.BytesIO(data), new).id


def _export(rt: Runtime, scope: Scope, dest: Path, album_id: int | None = None) -> export.Report:
    plan = export.plan(rt, scope.space.id, SPACE, album_id=album_id)
    return export.run(rt, plan, archive.FolderWriter(dest))


def _files(dest: Path) -> list[str]:
    return sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())


# --- originals, order, layout --------------------------------------------------------------------


def test_originals_are_byte_identical_in_album_order(
    core: Runtime, owner: Scope, tmp_path: Path
) -> None:
    second = _album(core, owner, "Second")
    first = _album(core, owner, "First")
    with core.transaction() as session:  # album order is position, not id
        session.get_one(Album, first).position = 0
    data = {name: samples.jpeg(seed=seed) for seed, name in enumerate(["a.jpg", "b.jpg", "c.jpg"])}
    ids = [_add(core, owner, first, data[name], NewImage(name=name)) for name in data]
    _add(core, owner, second, samples.png(seed=9), NewImage(name="only.png"))
    with core.transaction() as session:
        album = session.get_one(Album, first)
        images.reorder(session, owner, album, [ids[2], ids[0], ids[1]])
    report = _export(core, owner, tmp_path / "out")
    assert (report.exported, report.failed) == (4, ())
    plan = export.plan(core, owner.space.id, SPACE)
    assert [entry.folder for entry in plan.albums] == ["First", "Second"]
    assert [item.path for item in plan.items] == [
        "First/0001-c.jpg",
        "First/0002-a.jpg",
        "First/0003-b.jpg",
        "Second/0001-only.png",
    ]
    for item in plan.items:
        name = item.path.split("-", 1)[1]
        expected = data.get(name, samples.png(seed=9))
        assert (tmp_path / "out" / item.path).read_bytes() == expected
    assert report.byte_size == sum(len(d) for d in data.values()) + len(samples.png(seed=9))


def test_trashed_expired_and_temporary_images_are_left_out(
    core: Runtime, owner: Scope, tmp_path: Path
) -> None:
    album = _album(core, owner, "Kept")
    kept = _add(core, owner, album, samples.jpeg(seed=1), NewImage(name="kept.jpg"))
    trashed = _add(core, owner, album, samples.jpeg(seed=2), NewImage(name="trashed.jpg"))
    images.move_to_trash(core, owner, trashed)
    past = datetime.now(UTC) - timedelta(hours=1)
    _add(core, owner, album, samples.jpeg(seed=3), NewImage(name="gone.jpg", expires_at=past))
    with core.transaction() as session:
        temporary = albums.ensure(session, owner, vocabulary.CYCLOS_TEMP)
        session.flush()
        temporary_id = temporary.id
    _add(core, owner, temporary_id, samples.jpeg(seed=4), NewImage(name="waiting.jpg"))
    plan = export.plan(core, owner.space.id, SPACE)
    assert [item.image_id for item in plan.items] == [kept]
    assert all(entry.facts.kind != TEMPORARY_ALBUM for entry in plan.albums)


def test_album_folders_are_safe_and_unique_and_unnamed_door_albums_get_their_kind(
    core: Runtime, owner: Scope
) -> None:
    names = ["Trip", "trip", "../etc", ""]
    made = [_album(core, owner, name, external_id=str(n)) for n, name in enumerate(names)]
    with core.transaction() as session:
        moov = albums.ensure(session, owner, vocabulary.MOOV_IMAGES)
        session.flush()
        made.append(moov.id)
    for album_id in made:
        _add(core, owner, album_id, samples.jpeg(seed=album_id), NewImage(name="p.jpg"))
    plan = export.plan(core, owner.space.id, SPACE)
    by_id = {entry.id: entry.folder for entry in plan.albums}
    assert [by_id[album_id] for album_id in made] == [
        "Trip",
        "trip (2)",
        "_etc",
        "procore-category-3",
        "moov-account",
    ]


@pytest.mark.parametrize(("count", "width"), [(0, 4), (1, 4), (9999, 4), (10000, 5), (123456, 6)])
def test_numbers_are_as_wide_as_the_album_needs(count: int, width: int) -> None:
    assert export.number_width(count) == width


# --- names made safe -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("IMG_0001.JPG", ImageFormat.JPEG, "IMG_0001.JPG"),
        ("photo.jpeg", ImageFormat.JPEG, "photo.jpeg"),
        ("scan", ImageFormat.PNG, "scan.png"),
        ("scan.jpg", ImageFormat.PNG, "scan.jpg.png"),
        ("", ImageFormat.WEBP, "image.webp"),
        ("   ", ImageFormat.GIF, "image.gif"),
        ("../../etc/passwd", ImageFormat.JPEG, "_.._etc_passwd.jpg"),
        ("a\\b/c", ImageFormat.JPEG, "a_b_c.jpg"),
        (".hidden.jpg", ImageFormat.JPEG, "hidden.jpg"),
        ("...", ImageFormat.JPEG, "image.jpg"),
        ("nul\x00byte\n.png", ImageFormat.PNG, "nul_byte_.png"),
        ("CON", ImageFormat.JPEG, "_CON.jpg"),
        ("con.jpg", ImageFormat.JPEG, "_con.jpg"),
        ("lpt1.png", ImageFormat.PNG, "_lpt1.png"),
        ('what?*:"<>|.jpg', ImageFormat.JPEG, "what_______.jpg"),
        ("trailing. ", ImageFormat.JPEG, "trailing.jpg"),
        ("phone.HEIC", ImageFormat.HEIC, "phone.HEIC"),
        ("Cafe\u0301.jpg", ImageFormat.JPEG, "Caf\u00e9.jpg"),
    ],
)
def test_file_names_are_made_safe_for_every_filesystem(
    name: str, fmt: ImageFormat, expected: str
) -> None:
    assert safe_file_name(name, fmt) == expected


def test_a_long_name_is_cut_to_255_bytes_keeping_its_extension() -> None:
    made = safe_file_name("é" * 300 + ".jpeg", ImageFormat.JPEG, max_bytes=100)
    assert len(made.encode()) <= 100 and made.endswith("é.jpeg")
    assert len(safe_name("x" * 1000).encode()) == 255


def test_unique_names_ignore_case() -> None:
    assert unique("Trip", ["trip", "TRIP (2)"]) == "Trip (3)"
    assert unique("manifest.json", [export.MANIFEST]) == "manifest.json (2)"


def test_unsafe_image_names_are_written_under_safe_ones(
    core: Runtime, owner: Scope, tmp_path: Path
) -> None:
    album = _album(core, owner, "A/B")
    for seed, name in enumerate(["../../escape.jpg", "CON", "", ".profile", "tab\there"]):
        _add(core, owner, album, samples.jpeg(seed=seed), NewImage(name=name))
    _export(core, owner, tmp_path / "out")
    assert _files(tmp_path / "out" / "A_B") == [
        "0001-_.._escape.jpg",
        "0001-_.._escape.jpg.json",
        "0002-_CON.jpg",
        "0002-_CON.jpg.json",
        "0003-image.jpg",
        "0003-image.jpg.json",
        "0004-profile.jpg",
        "0004-profile.jpg.json",
        "0005-tab_here.jpg",
        "0005-tab_here.jpg.json",
    ]
    assert not (tmp_path / "escape.jpg").exists()


# --- sidecars ------------------------------------------------------------------------------------


def test_the_sidecar_holds_every_field(runtime: Runtime, scope: Scope, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: every field filled, read back with sidecar.loads."""
    album_id = _album(runtime, scope, "Site visit", external_id="42")
    _album_private(runtime, album_id)
    place = locations.at_path(runtime, scope, ["Building 1", "Floor 2", "Room 3"])[0]
    concrete = trades.add(runtime, scope, "Concrete")
    steel = trades.add(runtime, scope, "Steel")
    data = samples.jpeg_with_exif(CAMERA, 80, 60)
    new = NewImage(
        name="pour.jpg",
        description="The slab pour",
        alt_text="Workers pouring concrete",
        private=True,
        starred=True,
        log_date=date(2024, 5, 7),
        location_id=place.id,
        trade_ids=[steel.id, concrete.id],
        extras={"procore": {"mt_location": ["Building 1"]}, "flag": 1},
        gps_lat=48.85,
        gps_long=2.35,
    )
    image_id = _add(runtime, scope, album_id, data, new)
    report = _export(runtime, scope, tmp_path / "out")
    assert report.failed == ()
    path = tmp_path / "out" / "Site visit" / "0001-pour.jpg.json"
    read = sidecar.loads(path.read_text())
    with runtime.reading() as session:
        row = session.get_one(Image, image_id)
        expected_album = sidecar.AlbumFacts(
            kind="procore-category",
            external_id="42",
            name="Site visit",
            private=True,
            position=row.album.position,
        )
        uploader = scope.actor.name
        expected = sidecar.Sidecar(
            space=SPACE,
            album=expected_album,
            position=row.position,
            original=sidecar.Original(
                file="Site visit/0001-pour.jpg",
                sha256=hashlib.sha256(data).hexdigest(),
                byte_size=len(data),
                format="jpeg",
                width=80,
                height=60,
                camera={
                    "make": "Fujifilm",
                    "model": "X100V",
                    "lens": "23mm F2",
                    "exposure_time": None,
                    "f_number": None,
                    "iso": None,
                    "focal_length": None,
                },
            ),
            uuid=row.uuid,
            public_id=row.public_id,
            key=row.key,
            name="pour.jpg",
            description="The slab pour",
            alt_text="Workers pouring concrete",
            private=True,
            starred=True,
            log_date=date(2024, 5, 7),
            taken_at=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
            gps_lat=48.85,
            gps_long=2.35,
            location=("Building 1", "Floor 2", "Room 3"),
            trades=("Concrete", "Steel"),
            uploader=uploader,
            created_at=row.created_at,
            updated_at=row.updated_at,
            extras={"procore": {"mt_location": ["Building 1"]}, "flag": 1},
        )
    assert read == expected


def _album_private(rt: Runtime, album_id: int) -> None:
    with rt.transaction() as session:
        session.get_one(Album, album_id).private = True


def test_the_sidecar_keeps_the_album_external_id_as_stored(
    core: Runtime, owner: Scope, tmp_path: Path
) -> None:
    """None for an album a person made, "" for a door's one album of its kind."""
    made = _album(core, owner, "Holiday")
    with core.transaction() as session:
        moov = albums.ensure(session, owner, vocabulary.MOOV_IMAGES)
        session.flush()
        moov_id = moov.id
    _add(core, owner, made, samples.jpeg(seed=1), NewImage(name="a.jpg"))
    _add(core, owner, moov_id, samples.jpeg(seed=2), NewImage(name="b.jpg"))
    _export(core, owner, tmp_path / "out")
    mine = json.loads((tmp_path / "out" / "Holiday" / "0001-a.jpg.json").read_text())
    door = json.loads((tmp_path / "out" / "moov-account" / "0001-b.jpg.json").read_text())
    assert mine["album"]["external_id"] is None
    assert door["album"]["external_id"] == ""
    assert door["album"] | {"position": 0} == {
        "kind": "moov-account",
        "external_id": "",
        "name": "",
        "private": False,
        "position": 0,
        "dedupe": True,
        "max_images": 300,
        "single_slot": False,
        "max_bytes": 16 * 1024 * 1024,
        "formats": "jpeg,png,webp",
        "visible_to_guests": True,
    }
    assert door["location"] is None and door["trades"] == [] and door["uploader"] == "owner"


# --- manifest and SHA256SUMS ---------------------------------------------------------------------


def test_manifest_and_sha256sums_verify_with_sha256sum(
    core: Runtime, owner: Scope, tmp_path: Path
) -> None:
    album = _album(core, owner, "Ünïcode café")
    for seed in range(3):
        _add(core, owner, album, samples.png(seed=seed), NewImage(name=f"shot {seed}.png"))
    dest = tmp_path / "out"
    report = _export(core, owner, dest)
    checked = subprocess.run(
        ["sha256sum", "--strict", "-c", export.SUMS],
        cwd=dest,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.count(": OK") == 3
    manifest = json.loads((dest / export.MANIFEST).read_text())
    assert manifest["darkroom_export"] == 1
    assert (manifest["space"], manifest["count"], manifest["bytes"]) == (SPACE, 3, report.byte_size)
    assert manifest["darkroom_version"]
    datetime.fromisoformat(manifest["exported_at"])
    assert [entry["folder"] for entry in manifest["albums"]] == ["Ünïcode café"]
    for entry in manifest["files"]:
        original = (dest / entry["path"]).read_bytes()
        assert hashlib.sha256(original).hexdigest() == entry["sha256"]
        assert len(original) == entry["bytes"]
        assert (dest / entry["sidecar"]).is_file()
    assert manifest["failed"] == []


# --- missing and corrupt blobs -------------------------------------------------------------------


def test_a_missing_and_a_corrupt_blob_are_reported_and_the_rest_exported(
    core: Runtime, owner: Scope, tmp_path: Path
) -> None:
    album = _album(core, owner, "Mixed")
    ids = [
        _add(core, owner, album, samples.jpeg(seed=s), NewImage(name=f"{s}.jpg")) for s in range(3)
    ]
    with core.reading() as session:
        shas = [session.get_one(Image, image_id).blob_sha256 for image_id in ids]
    blobs_root = tmp_path / "data" / "blobs"
    (blobs_root / blob_key(shas[0])).unlink()
    (blobs_root / blob_key(shas[1])).write_bytes(b"\xff\xd8\xff not the bytes stored")
    seen: list[export.Done] = []
    dest = tmp_path / "out"
    plan = export.plan(core, owner.space.id, SPACE)
    report = export.run(core, plan, archive.FolderWriter(dest), on_file=seen.append)
    assert report.exported == 1
    assert [(done.item.image_id, done.error is None) for done in seen] == [
        (ids[0], False),
        (ids[1], False),
        (ids[2], True),
    ]
    assert "missing" in (seen[0].error or "") and "corrupt" in (seen[1].error or "")
    assert _files(dest) == [
        "Mixed/0003-2.jpg",
        "Mixed/0003-2.jpg.json",
        "SHA256SUMS",
        "manifest.json",
    ]
    manifest = json.loads((dest / export.MANIFEST).read_text())
    assert [entry["image_id"] for entry in manifest["failed"]] == ids[:2]
    assert (dest / export.SUMS).read_text().count("\n") == 1


# --- where it writes -----------------------------------------------------------------------------


def test_a_folder_that_holds_anything_is_refused(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(Invalid, match="not an empty folder"):
        archive.FolderWriter(tmp_path / "full")
    (tmp_path / "file").write_text("")
    with pytest.raises(Invalid):
        archive.FolderWriter(tmp_path / "file")
    archive.FolderWriter(tmp_path / "new" / "deeper")  # made, with its parents
    assert (tmp_path / "new" / "deeper").is_dir()


class _Pipe:
    """A writer that can only be written to, like a pipe: no seek, no tell. What it is given
    goes to a file, so the test holds none of it in memory."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.largest = 0

    def write(self, data: bytes) -> int:
        self.largest = max(self.largest, len(data))
        return self._out.write(data)

    def flush(self) -> None:
        self._out.flush()


def _noise_png(seed: int, side: int = 600) -> bytes:
    """About a megabyte that does not compress: noise, as the bytes of a photo look."""
    noise = pyvips.Image.gaussnoise(side, side, sigma=80, mean=128, seed=seed)
    picture = noise.bandjoin([noise.rot90(), noise.rot180()]).cast("uchar")
    return picture.copy(interpretation="srgb").pngsave_buffer(compression=1)


def test_a_zip_streams_to_a_non_seekable_writer_in_bounded_memory(
    core: Runtime, owner: Scope, tmp_path: Path
) -> None:
    album = _album(core, owner, "Big")
    data = [_noise_png(seed) for seed in range(5)]
    for seed, blob in enumerate(data):
        _add(core, owner, album, blob, NewImage(name=f"noise {seed}"))
    total = sum(len(blob) for blob in data)
    assert total > 4_000_000
    plan = export.plan(core, owner.space.id, SPACE)
    with (tmp_path / "out.zip").open("wb") as out:
        pipe = _Pipe(out)
        tracemalloc.start()
        try:
            report = export.run(core, plan, archive.ZipWriter(pipe))  # type: ignore[arg-type]
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert report.exported == 5
    print(f"peak {peak} bytes traced for {total} bytes exported")
    assert peak < total / 4, f"peak {peak} bytes for {total} bytes exported"
    assert pipe.largest <= export.CHUNK
    with zipfile.ZipFile(tmp_path / "out.zip") as read:
        assert read.testzip() is None
        names = read.namelist()
        assert names[:2] == ["Big/0001-noise 0.png", "Big/0001-noise 0.png.json"]
        assert names[-2:] == [export.MANIFEST, export.SUMS]
        for seed, blob in enumerate(data):
            info = read.getinfo(f"Big/{seed + 1:04d}-noise {seed}.png")
            assert info.compress_type == zipfile.ZIP_STORED
            assert read.read(info) == blob
        assert read.getinfo(export.MANIFEST).compress_type == zipfile.ZIP_DEFLATED
        side = sidecar.loads(read.read(f"Big/0001-noise 0.png{sidecar.SUFFIX}"))
        assert side.original.file == "Big/0001-noise 0.png"


# --- choosing an album ---------------------------------------------------------------------------


def test_an_album_is_chosen_by_name_or_id_and_a_shared_name_is_refused_with_the_ids(
    core: Runtime, owner: Scope, tmp_path: Path
) -> None:
    one = _album(core, owner, "Trip", external_id="1")
    two = _album(core, owner, "Trip", external_id="2")
    other = _album(core, owner, "Home", external_id="3")
    for album_id in (one, two, other):
        _add(core, owner, album_id, samples.jpeg(seed=album_id), NewImage(name="p.jpg"))
    assert export.choose_album(core, owner.space.id, "Home") == other
    assert export.choose_album(core, owner.space.id, f"#{two}") == two
    with pytest.raises(Invalid, match=f"2 albums are named 'Trip' \\(#{one}, #{two}\\)"):
        export.choose_album(core, owner.space.id, "Trip")
    with pytest.raises(Invalid, match="no album named 'Away'"):
        export.choose_album(core, owner.space.id, "Away")
    with pytest.raises(Invalid, match="no album #999"):
        export.choose_album(core, owner.space.id, "#999")
    report = _export(core, owner, tmp_path / "out", album_id=two)
    assert report.exported == 1
    assert _files(tmp_path / "out") == [
        "SHA256SUMS",
        "Trip/0001-p.jpg",
        "Trip/0001-p.jpg.json",
        "manifest.json",
    ]


def test_an_unnamed_door_album_is_chosen_by_its_kind(core: Runtime, owner: Scope) -> None:
    with core.transaction() as session:
        moov = albums.ensure(session, owner, vocabulary.MOOV_IMAGES)
        session.flush()
        moov_id = moov.id
    assert export.choose_album(core, owner.space.id, "moov-account") == moov_id


def test_in_a_zip_a_corrupt_original_stays_but_is_left_out_of_the_sums(
    core: Runtime, owner: Scope, tmp_path: Path
) -> None:
    """A zip already streamed cannot take bytes back: the manifest and SHA256SUMS say which."""
    album = _album(core, owner, "Mixed")
    bad = _add(core, owner, album, samples.jpeg(seed=1), NewImage(name="bad.jpg"))
    _add(core, owner, album, samples.jpeg(seed=2), NewImage(name="good.jpg"))
    with core.reading() as session:
        sha = session.get_one(Image, bad).blob_sha256
    (tmp_path / "data" / "blobs" / blob_key(sha)).write_bytes(b"flipped bits")
    plan = export.plan(core, owner.space.id, SPACE)
    with (tmp_path / "out.zip").open("wb") as out:
        report = export.run(core, plan, archive.ZipWriter(out))
    assert report.exported == 1 and [done.item.image_id for done in report.failed] == [bad]
    with zipfile.ZipFile(tmp_path / "out.zip") as read:
        assert read.read("Mixed/0001-bad.jpg") == b"flipped bits"
        assert "Mixed/0001-bad.jpg.json" not in read.namelist()
        sums = read.read(export.SUMS).decode()
        manifest = json.loads(read.read(export.MANIFEST))
    assert sums == f"{hashlib.sha256(samples.jpeg(seed=2)).hexdigest()}  Mixed/0002-good.jpg\n"
    assert [entry["path"] for entry in manifest["failed"]] == ["Mixed/0001-bad.jpg"]
