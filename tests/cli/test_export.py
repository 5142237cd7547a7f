"""`darkroom export SPACE[/ALBUM] DEST [--format dir|zip]` (issue 13)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from rich.console import Console

from darkroom.api import vocabulary
from darkroom.core import albums, images
from darkroom.core.access import Role, Scope
from darkroom.core.blobs import blob_key
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.db.models import Album
from darkroom.progress import progress
from tests import images as samples
from tests.cli.runner import run
from tests.conftest import make_actor, scope_for

SPACE = "moov-account:acct1"


@pytest.fixture
def scope(core: Runtime) -> Scope:
    return scope_for(core, make_actor(core, "owner", Role.ADMIN))


def _album(core: Runtime, scope: Scope, name: str, external_id: str) -> int:
    with core.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.PROCORE_CATEGORY, external_id, name=name)
        session.flush()
        return album.id


def _add(core: Runtime, scope: Scope, album_id: int, data: bytes, name: str) -> str:
    with core.reading() as session:
        album = session.get_one(Album, album_id)
    image = images.ingest(core, scope, album, io.BytesIO(data), NewImage(name=name))
    return image.blob_sha256


def _library(core: Runtime, scope: Scope) -> dict[str, bytes]:
    """Two albums, three images: what each file of the export should hold."""
    trip = _album(core, scope, "Trip", "1")
    home = _album(core, scope, "Home", "2")
    files = {
        "Trip/0001-beach.jpg": samples.jpeg(seed=1),
        "Trip/0002-dunes.png": samples.png(seed=2),
        "Home/0001-garden.webp": samples.webp(seed=3),
    }
    for path, data in files.items():
        album = trip if path.startswith("Trip/") else home
        _add(core, scope, album, data, path.split("-", 1)[1])
    return files


def test_export_to_a_folder_writes_originals_that_sha256sum_verifies(
    data_dir: Path, core: Runtime, scope: Scope, tmp_path: Path
) -> None:
    files = _library(core, scope)
    dest = tmp_path / "export"
    result = run(data_dir, "export", SPACE, str(dest))
    assert result.exit_code == 0, result.output
    for path, data in files.items():
        assert (dest / path).read_bytes() == data
        assert json.loads((dest / f"{path}.json").read_text())["original"]["file"] == path
    checked = subprocess.run(
        ["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=dest, capture_output=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads((dest / "manifest.json").read_text())["count"] == 3


def test_progress_is_plain_lines_and_a_summary_when_stdout_is_not_a_terminal(
    data_dir: Path, core: Runtime, scope: Scope, tmp_path: Path
) -> None:
    _library(core, scope)
    result = run(data_dir, "export", SPACE, str(tmp_path / "export"))
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.stdout  # no bar, no colour codes: fit for a log
    lines = result.stdout.splitlines()
    assert lines[0].startswith("exporting: 3/3 files, 0.0 MB of 0.0 MB, ")
    assert lines[-1].startswith(f"exported 3 images in 2 albums of {SPACE}, 0.0 MB in ")
    assert lines[-1].endswith(" MB/s)")


def test_the_progress_reporter_draws_a_bar_on_a_terminal() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with progress(console, "importing", files=2, byte_size=2_000_000) as bar:
        bar.advance(byte_size=1_000_000)
        bar.note("a note")
        bar.advance(byte_size=1_000_000)
    shown = screen.getvalue()
    assert "importing" in shown and "2/2 files" in shown and "2.0/2.0 MB" in shown
    assert "a note" in shown


def test_plain_lines_come_every_so_many_files_and_at_the_last() -> None:
    screen = io.StringIO()
    console = Console(file=screen, width=200)
    with progress(console, "importing", files=5, byte_size=5_000_000, every=2) as bar:
        for _ in range(5):
            bar.advance(byte_size=1_000_000)
    counts = [line.split(": ")[1].split(" files")[0] for line in screen.getvalue().splitlines()]
    assert counts == ["2/5", "4/5", "5/5"]


def test_one_album_is_exported_by_name_or_by_id(
    data_dir: Path, core: Runtime, scope: Scope, tmp_path: Path
) -> None:
    _library(core, scope)
    result = run(data_dir, "export", f"{SPACE}/Home", str(tmp_path / "home"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "home").iterdir()) == [
        "Home",
        "SHA256SUMS",
        "manifest.json",
    ]
    with core.reading() as session:
        trip = session.query(Album).filter_by(name="Trip").one().id
    result = run(data_dir, "export", f"{SPACE}/#{trip}", str(tmp_path / "trip"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "trip" / "Trip").iterdir())[0] == "0001-beach.jpg"


def test_two_albums_with_one_name_are_refused_with_their_ids(
    data_dir: Path, core: Runtime, scope: Scope, tmp_path: Path
) -> None:
    first = _album(core, scope, "Trip", "1")
    second = _album(core, scope, "Trip", "2")
    result = run(data_dir, "export", f"{SPACE}/Trip", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert f"2 albums are named 'Trip' (#{first}, #{second})" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_blob_exits_1_after_exporting_the_rest(
    data_dir: Path, core: Runtime, scope: Scope, tmp_path: Path
) -> None:
    album = _album(core, scope, "Trip", "1")
    lost = _add(core, scope, album, samples.jpeg(seed=1), "lost.jpg")
    _add(core, scope, album, samples.jpeg(seed=2), "kept.jpg")
    (data_dir / "blobs" / blob_key(lost)).unlink()
    dest = tmp_path / "out"
    result = run(data_dir, "export", SPACE, str(dest))
    assert result.exit_code == 1
    assert "failed image" in result.stderr and "Trip/0001-lost.jpg" in result.stderr
    assert "is missing from the store" in result.stderr
    assert "1 images could not be exported" in result.stderr
    assert (dest / "Trip" / "0002-kept.jpg").read_bytes() == samples.jpeg(seed=2)
    assert not (dest / "Trip" / "0001-lost.jpg").exists()
    assert "exported 1 images" in result.stdout


def test_a_folder_that_is_not_empty_is_refused(
    data_dir: Path, core: Runtime, scope: Scope, tmp_path: Path
) -> None:
    _library(core, scope)
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me")
    result = run(data_dir, "export", SPACE, str(dest))
    assert result.exit_code == 2
    assert "exists and is not an empty folder" in result.stderr
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]


def test_an_existing_zip_is_refused(
    data_dir: Path, core: Runtime, scope: Scope, tmp_path: Path
) -> None:
    _library(core, scope)
    (tmp_path / "out.zip").write_bytes(b"mine")
    result = run(data_dir, "export", SPACE, str(tmp_path / "out.zip"), "--format", "zip")
    assert result.exit_code == 2
    assert (tmp_path / "out.zip").read_bytes() == b"mine"


def test_an_unknown_space_is_refused(data_dir: Path, core: Runtime, tmp_path: Path) -> None:
    result = run(data_dir, "export", "moov-account:nobody", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "moov-account:nobody does not exist" in result.stderr


def test_export_to_a_zip_file(data_dir: Path, core: Runtime, scope: Scope, tmp_path: Path) -> None:
    files = _library(core, scope)
    result = run(data_dir, "export", SPACE, str(tmp_path / "out.zip"), "--format", "zip")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "out.zip") as read:
        for path, data in files.items():
            assert read.read(path) == data


def test_a_zip_streams_to_stdout_through_a_pipe(
    data_dir: Path, core: Runtime, scope: Scope, tmp_path: Path
) -> None:
    """A real process writing to a real pipe, which cannot seek; progress goes to stderr."""
    files = _library(core, scope)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DARKROOM_")}
    command = [sys.executable, "-m", "darkroom", "--data-dir", str(data_dir)]
    done = subprocess.run(
        [*command, "export", SPACE, "-", "--format", "zip"],
        capture_output=True,
        env=environment,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert b"exported 3 images" in done.stderr
    with zipfile.ZipFile(io.BytesIO(done.stdout)) as read:
        assert read.testzip() is None
        for path, data in files.items():
            assert read.read(path) == data
        assert read.getinfo(path).flag_bits & 0x08  # sizes after the data: it never sought back
    (tmp_path / "out.zip").write_bytes(done.stdout)
    listed = subprocess.run(["unzip", "-tq", str(tmp_path / "out.zip")], capture_output=True)
    assert listed.returncode == 0, listed.stdout


def test_a_destination_that_cannot_be_written_is_one_line_and_exit_1(
    data_dir: Path, core: Runtime, scope: Scope, tmp_path: Path
) -> None:
    _library(core, scope)
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run(data_dir, "export", SPACE, str(blocker / "out.zip"), "--format", "zip")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: could not write {blocker / 'out.zip'}")
