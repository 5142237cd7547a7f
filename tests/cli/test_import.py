"""`darkroom import PATH... --into SPACE[/ALBUM]`: folders and zips in through ingest (issue 13)."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from darkroom.core import albums
from darkroom.core.access import trusted_scope
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.runtime import Runtime
from darkroom.db.models import Album, Blob, Image, Space
from tests.cli.runner import run
from tests.conftest import make_actor
from tests.images import heic_photo, jpeg, photo_like, png

SPACE = "procore-company:7"
XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt>'
    '<rdf:li xml:lang="fr">Coucher de soleil</rdf:li>'
    '<rdf:li xml:lang="x-default">Sunset at the pier</rdf:li>'
    "</rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>"
)


def photo(seed: int, width: int = 320, height: int = 240) -> bytes:
    return bytes(photo_like(seed, width, height).jpegsave_buffer(Q=85))


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A folder ``Holiday`` with two photos at its top, one in a sub-folder, and a hidden file."""
    root = tmp_path / "Holiday"
    (root / "day2").mkdir(parents=True)
    (root / "b.jpg").write_bytes(photo(2))
    (root / "a.jpg").write_bytes(photo(1))
    (root / "day2" / "c.png").write_bytes(png(40, 30))
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    return root


def imported(core: Runtime) -> list[tuple[str, str, int]]:
    """(album name, image name, position) of every image, in album order."""
    with core.reading() as session:
        rows = session.execute(
            select(Album.name, Image.name, Image.position)
            .join(Album, Album.id == Image.album_id)
            .order_by(Album.id, Image.position, Image.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def image_named(core: Runtime, name: str) -> Image:
    with core.reading() as session:
        image = session.scalar(select(Image).where(Image.name == name))
        assert image is not None
        return image


def test_a_folder_becomes_an_album_named_after_it_in_name_order(
    data_dir: Path, library: Path, core: Runtime
) -> None:
    result = run(data_dir, "import", str(library), "--into", SPACE)
    assert result.exit_code == 0, result.output
    assert imported(core) == [
        ("Holiday", "a.jpg", 1),
        ("Holiday", "b.jpg", 2),
        ("Holiday", "c.png", 3),
    ]
    assert "3 files in" in result.output
    assert "3 imported, 0 already present, 0 refused" in result.output


def test_the_album_named_after_the_space_takes_every_file(
    data_dir: Path, library: Path, core: Runtime
) -> None:
    result = run(data_dir, "import", str(library), "--into", f"{SPACE}/Site walk")
    assert result.exit_code == 0, result.output
    assert {album for album, _, _ in imported(core)} == {"Site walk"}


def test_a_zip_is_read_like_a_folder_named_after_it(
    data_dir: Path, tmp_path: Path, core: Runtime
) -> None:
    archive = tmp_path / "trip.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("DCIM/IMG_0002.jpg", photo(3))
        out.writestr("DCIM/IMG_0001.jpg", photo(4))
        out.writestr("__MACOSX/DCIM/._IMG_0001.jpg", b"\0\5\26\7")
    result = run(data_dir, "import", str(archive), "--into", SPACE)
    assert result.exit_code == 0, result.output
    assert imported(core) == [("trip", "IMG_0001.jpg", 1), ("trip", "IMG_0002.jpg", 2)]


def test_a_zip_inside_a_folder_is_opened_too(data_dir: Path, library: Path, core: Runtime) -> None:
    with zipfile.ZipFile(library / "phone.zip", "w") as out:
        out.writestr("x.jpg", photo(5))
    assert run(data_dir, "import", str(library), "--into", SPACE).exit_code == 0
    assert ("phone", "x.jpg", 1) in imported(core)


def test_a_rerun_finds_everything_already_present(
    data_dir: Path, library: Path, core: Runtime
) -> None:
    assert run(data_dir, "import", str(library), "--into", SPACE).exit_code == 0
    again = run(data_dir, "import", str(library), "--into", SPACE)
    assert again.exit_code == 0, again.output
    assert "0 imported, 3 already present" in again.output
    assert len(imported(core)) == 3


def test_the_same_bytes_under_another_name_are_imported_again(
    data_dir: Path, library: Path, core: Runtime
) -> None:
    (library / "a copy.jpg").write_bytes((library / "a.jpg").read_bytes())
    assert run(data_dir, "import", str(library), "--into", SPACE).exit_code == 0
    names = [name for _, name, _ in imported(core)]
    assert "a copy.jpg" in names and "a.jpg" in names
    with core.reading() as session:
        assert len(list(session.scalars(select(Blob.sha256)))) == 3


def test_a_moov_account_takes_files_into_its_one_album_and_refuses_copies_as_present(
    data_dir: Path, library: Path, core: Runtime
) -> None:
    (library / "a copy.jpg").write_bytes((library / "a.jpg").read_bytes())
    result = run(data_dir, "import", str(library), "--into", "moov-account:acct1")
    assert result.exit_code == 0, result.output
    assert "3 imported, 1 already present" in result.output
    with core.reading() as session:
        kinds = set(session.scalars(select(Album.kind).join(Image, Image.album_id == Album.id)))
    assert kinds == {"moov-account"}


def test_a_moov_account_has_no_album_to_name(data_dir: Path, library: Path) -> None:
    result = run(data_dir, "import", str(library), "--into", "moov-account:acct1/Trip")
    assert result.exit_code == 2
    assert "one album" in result.output


@pytest.mark.parametrize(
    ("file_name", "content", "reason"),
    [
        ("notes.txt", b"shopping list", "not a supported image"),
        ("empty.jpg", b"", "not a supported image"),
        ("page.jpg", b"<html><script>alert(1)</script></html>", "not a supported image"),
        ("cut.jpg", photo(9, 640, 480)[:700], "corrupt or truncated"),
    ],
)
def test_each_refusal_is_counted_under_its_reason(
    data_dir: Path, tmp_path: Path, core: Runtime, file_name: str, content: bytes, reason: str
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.jpg").write_bytes(photo(1))
    (folder / file_name).write_bytes(content)
    result = run(data_dir, "import", str(folder), "--into", SPACE)
    assert result.exit_code == 1, result.output
    assert f"refused mixed/{file_name}:" in result.output
    assert f"refused: {reason}" in result.output
    assert [name for _, name, _ in imported(core)] == ["good.jpg"]


def test_a_file_over_the_upload_cap_is_refused_as_too_large(
    data_dir: Path, library: Path, monkeypatch: pytest.MonkeyPatch, core: Runtime
) -> None:
    monkeypatch.setenv("DARKROOM_MAX_UPLOAD_BYTES", "2000")
    (library / "big.jpg").write_bytes(photo(8, 800, 600))
    result = run(data_dir, "import", str(library), "--into", SPACE)
    assert result.exit_code == 1
    assert "refused: too large" in result.output
    assert "big.jpg" not in [name for _, name, _ in imported(core)]


def test_a_file_over_the_pixel_limit_is_refused_before_it_is_decoded(
    data_dir: Path, library: Path, monkeypatch: pytest.MonkeyPatch, core: Runtime
) -> None:
    monkeypatch.setenv("DARKROOM_MAX_PIXELS", "100000")
    (library / "wide.jpg").write_bytes(photo(8, 800, 600))
    result = run(data_dir, "import", str(library), "--into", SPACE)
    assert result.exit_code == 1
    assert "refused Holiday/wide.jpg: 480000 px exceed the 100000 pixel limit" in result.output
    assert "refused: too large" in result.output


def test_a_full_album_refuses_the_rest(data_dir: Path, library: Path, core: Runtime) -> None:
    tiny = AlbumType("gallery", AlbumPolicy(max_images=2))
    boss = make_actor(core, "boss")
    with core.transaction() as session:
        space = Space(kind="procore-company", external_id="7")
        session.add(space)
        session.flush()
        albums.create(session, trusted_scope(space, boss), tiny, name="Tiny")
    result = run(data_dir, "import", str(library), "--into", f"{SPACE}/Tiny")
    assert result.exit_code == 1
    assert "refused: album full" in result.output
    assert len(imported(core)) == 2


def test_a_corrupt_zip_member_is_refused_as_unreadable(
    data_dir: Path, tmp_path: Path, core: Runtime
) -> None:
    archive = tmp_path / "bad.zip"
    good, bad = photo(1), photo(2)
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("good.jpg", good)
        out.writestr("bad.jpg", bad)
    data = bytearray(archive.read_bytes())
    at = data.index(bad[1000:1016])
    data[at : at + 16] = bytes(16)  # the member's bytes no longer match its CRC
    archive.write_bytes(bytes(data))
    result = run(data_dir, "import", str(archive), "--into", SPACE)
    assert result.exit_code == 1
    assert "refused: unreadable" in result.output
    assert [name for _, name, _ in imported(core)] == ["good.jpg"]


def test_a_broken_darkroom_sidecar_refuses_its_image(
    data_dir: Path, library: Path, core: Runtime
) -> None:
    (library / "a.jpg.json").write_text('{"darkroom_sidecar": 1, "space": 3}')
    result = run(data_dir, "import", str(library), "--into", SPACE)
    assert result.exit_code == 1
    assert "refused: bad sidecar" in result.output
    assert "a.jpg" not in [name for _, name, _ in imported(core)]


def test_a_dry_run_reports_and_stores_nothing(data_dir: Path, library: Path, core: Runtime) -> None:
    (library / "notes.txt").write_text("not a photo")
    result = run(data_dir, "import", str(library), "--into", SPACE, "--dry-run")
    assert result.exit_code == 1
    assert "would import" in result.output and "3 would be imported" in result.output
    assert "refused: not a supported image" in result.output
    with core.reading() as session:
        assert session.scalar(select(Space.id)) is None
        assert session.scalar(select(Blob.sha256)) is None


def test_an_xmp_sidecar_gives_the_description_in_its_default_language(
    data_dir: Path, library: Path, core: Runtime
) -> None:
    (library / "a.xmp").write_text(XMP)
    assert run(data_dir, "import", str(library), "--into", SPACE).exit_code == 0
    assert image_named(core, "a.jpg").description == "Sunset at the pier"


def test_the_xmp_packet_inside_a_file_gives_its_description(
    data_dir: Path, tmp_path: Path, core: Runtime
) -> None:
    picture = photo_like(3, 200, 150)
    picture.set_type(pyvips_blob_type(), "xmp-data", XMP.encode())
    folder = tmp_path / "xmp"
    folder.mkdir()
    (folder / "tagged.jpg").write_bytes(picture.jpegsave_buffer(keep="xmp"))
    assert run(data_dir, "import", str(folder), "--into", SPACE).exit_code == 0
    assert image_named(core, "tagged.jpg").description == "Sunset at the pier"


def pyvips_blob_type() -> object:
    import pyvips

    return pyvips.GValue.blob_type


def test_a_google_takeout_sidecar_gives_title_description_time_and_place(
    data_dir: Path, library: Path, core: Runtime
) -> None:
    (library / "b.jpg.json").write_text(
        '{"title": "Pier.jpg", "description": "From the pier",'
        ' "photoTakenTime": {"timestamp": "1546300800"},'
        ' "geoData": {"latitude": 48.85, "longitude": 2.35, "altitude": 0.0}}'
    )
    assert run(data_dir, "import", str(library), "--into", SPACE).exit_code == 0
    image = image_named(core, "Pier.jpg")
    assert image.description == "From the pier"
    assert image.taken_at == datetime(2019, 1, 1, tzinfo=UTC)
    assert (image.gps_lat, image.gps_long) == (48.85, 2.35)


def test_the_date_taken_and_position_come_from_exif(
    data_dir: Path, tmp_path: Path, core: Runtime
) -> None:
    folder = tmp_path / "exif"
    folder.mkdir()
    from tests.images import jpeg_with_exif

    (folder / "shot.jpg").write_bytes(
        jpeg_with_exif({"exif-ifd2-DateTimeOriginal": "2021:06:05 14:30:00"})
    )
    assert run(data_dir, "import", str(folder), "--into", SPACE).exit_code == 0
    assert image_named(core, "shot.jpg").taken_at == datetime(2021, 6, 5, 14, 30, tzinfo=UTC)


def test_progress_is_plain_lines_when_output_is_not_a_terminal(
    data_dir: Path, library: Path
) -> None:
    result = run(data_dir, "import", str(library), "--into", SPACE)
    lines = result.output.splitlines()
    assert any(line.startswith("importing: 3/3 files, ") and "MB/s" in line for line in lines)
    assert "\x1b[" not in result.output  # no cursor movement, no colours


def test_a_user_space_is_imported_into_as_its_owner(
    data_dir: Path, library: Path, core: Runtime
) -> None:
    owner = make_actor(core, "alice")
    result = run(data_dir, "import", str(library), "--into", "cyclos-user:alice")
    assert result.exit_code == 0, result.output
    with core.reading() as session:
        uploaders = set(session.scalars(select(Image.uploader_id)))
    assert uploaders == {owner.principal_id}


def test_an_unknown_user_space_is_refused(data_dir: Path, library: Path) -> None:
    result = run(data_dir, "import", str(library), "--into", "cyclos-user:nobody")
    assert result.exit_code == 2
    assert "no user nobody" in result.output


def test_a_jpeg_of_a_few_bytes_is_imported(data_dir: Path, tmp_path: Path, core: Runtime) -> None:
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "dot.jpg").write_bytes(jpeg(1, 1))
    assert run(data_dir, "import", str(folder), "--into", SPACE).exit_code == 0
    assert imported(core) == [("tiny", "dot.jpg", 1)]


def test_a_dry_run_into_a_user_space_makes_no_space(
    data_dir: Path, library: Path, core: Runtime
) -> None:
    make_actor(core, "alice")
    result = run(data_dir, "import", str(library), "--into", "cyclos-user:alice", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "3 would be imported" in result.output
    with core.reading() as session:
        assert session.scalar(select(Space.id)) is None


def test_a_malformed_space_is_a_usage_error(data_dir: Path, library: Path) -> None:
    result = run(data_dir, "import", str(library), "--into", "bucket:1")
    assert result.exit_code == 2
    assert "unknown space kind 'bucket'" in result.output


def test_copies_in_an_imported_folder_are_grouped_by_duplicates(
    data_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "phone"
    folder.mkdir()
    for seed in (1, 2, 3):
        picture = photo_like(seed, 640, 480)
        (folder / f"IMG_{seed}.jpg").write_bytes(picture.jpegsave_buffer(Q=90))
        (folder / f"IMG_{seed}-small.jpg").write_bytes(picture.resize(0.5).jpegsave_buffer(Q=70))
    (folder / "IMG_1 (1).jpg").write_bytes((folder / "IMG_1.jpg").read_bytes())
    assert run(data_dir, "import", str(folder), "--into", SPACE).exit_code == 0
    found = run(data_dir, "duplicates", SPACE)
    assert found.exit_code == 0, found.output
    assert "1 exact and 3 near groups in procore-company:7" in found.output


def test_a_phone_heic_is_imported_with_its_date_taken_and_upright_size(
    data_dir: Path, tmp_path: Path, core: Runtime
) -> None:
    folder = tmp_path / "iphone"
    folder.mkdir()
    shot = heic_photo(80, 60, orientation=6, taken_at="2024:05:06 07:08:09")
    (folder / "IMG_0001.HEIC").write_bytes(shot)
    result = run(data_dir, "import", str(folder), "--into", SPACE)
    assert result.exit_code == 0, result.output
    image = image_named(core, "IMG_0001.HEIC")
    assert (image.width, image.height) == (80, 60)
    assert image.taken_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_a_moov_account_refuses_heic_as_its_door_does(
    data_dir: Path, tmp_path: Path, core: Runtime
) -> None:
    folder = tmp_path / "iphone"
    folder.mkdir()
    (folder / "IMG_0001.HEIC").write_bytes(heic_photo())
    result = run(data_dir, "import", str(folder), "--into", "moov-account:acct1")
    assert result.exit_code == 1
    assert "refused iphone/IMG_0001.HEIC: HEIC is not accepted here" in result.output
    assert "refused: not a supported image" in result.output


def test_album_per_folder_makes_an_album_of_each_folder(
    data_dir: Path, library: Path, tmp_path: Path, core: Runtime
) -> None:
    with zipfile.ZipFile(library / "phone.zip", "w") as out:
        out.writestr("Camera/x.jpg", photo(5))
        out.writestr("top.jpg", photo(6))
    result = run(data_dir, "import", str(library), "--into", SPACE, "--album-per-folder")
    assert result.exit_code == 0, result.output
    assert sorted((album, name) for album, name, _ in imported(core)) == [
        ("Camera", "x.jpg"),
        ("Holiday", "a.jpg"),
        ("Holiday", "b.jpg"),
        ("day2", "c.png"),
        ("phone", "top.jpg"),
    ]


def test_album_per_folder_and_an_album_name_are_refused_together(
    data_dir: Path, library: Path
) -> None:
    result = run(data_dir, "import", str(library), "--into", f"{SPACE}/X", "--album-per-folder")
    assert result.exit_code == 2
    assert "not both" in result.output
