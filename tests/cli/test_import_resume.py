"""`darkroom import` killed with SIGKILL part-way, then run again: everything in, once (issue 13).

A real process is killed, so nothing it had not committed can be cleaned up on the way out.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest

from darkroom.core.blobs import blob_key
from tests.cli.runner import run
from tests.images import photo_like

FILES = 60
SPACE = "procore-company:7"
WAIT_S = 60.0


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of photos, made once for the module (the imports only read it)."""
    folder = tmp_path_factory.mktemp("library") / "Camera"
    folder.mkdir()
    for seed in range(FILES):
        picture = photo_like(seed, 1200, 900)
        (folder / f"IMG_{seed:04d}.jpg").write_bytes(picture.jpegsave_buffer(Q=90))
    return folder


def _count(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
        try:
            return int(connection.execute("SELECT count(*) FROM images").fetchone()[0])
        except sqlite3.OperationalError:  # the tables are not made yet
            return 0


class Stopped(NamedTuple):
    images: int  # in the database once the process ended
    exit_code: int


def _import_until_some_are_in(
    data_dir: Path, folder: Path, stop: signal.Signals = signal.SIGKILL
) -> Stopped:
    """Start an import of ``folder``, send it ``stop`` once a few images are in; how many were
    in once it ended."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DARKROOM_")}
    command = [sys.executable, "-m", "darkroom", "--data-dir", str(data_dir), "import"]
    process = subprocess.Popen(
        [*command, str(folder), "--into", SPACE, "--workers", "1"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    database = data_dir / "darkroom.db"
    deadline = time.monotonic() + WAIT_S
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if database.exists() and _count(database) >= 5:
                break
            time.sleep(0.01)
        process.send_signal(stop)
        process.wait(timeout=WAIT_S)
    finally:
        process.kill()
        process.wait()
    return Stopped(_count(database), process.returncode)


def test_a_rerun_after_a_kill_imports_the_rest_and_nothing_twice(
    tmp_path: Path, camera: Path
) -> None:
    data_dir, folder = tmp_path / "data", camera
    before = _import_until_some_are_in(data_dir, folder).images
    assert 5 <= before < FILES, "the import should have been killed part-way"

    again = run(data_dir, "import", str(folder), "--into", SPACE)
    assert again.exit_code == 0, again.output
    assert f"{FILES - before} imported, {before} already present, 0 refused" in again.output
    with sqlite3.connect(data_dir / "darkroom.db") as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM images")]
    assert sorted(names) == [f"IMG_{seed:04d}.jpg" for seed in range(FILES)]


def test_every_image_a_killed_import_left_has_its_bytes_whole(tmp_path: Path, camera: Path) -> None:
    data_dir, folder = tmp_path / "data", camera
    assert _import_until_some_are_in(data_dir, folder).images >= 5
    with sqlite3.connect(data_dir / "darkroom.db") as connection:
        rows = connection.execute("SELECT name, blob_sha256 FROM images").fetchall()
    for name, sha256 in rows:
        stored = data_dir / "blobs" / blob_key(sha256)  # the local store's folder
        assert stored.read_bytes() == (folder / name).read_bytes(), name


def test_ctrl_c_stops_an_import_with_130_and_a_rerun_finishes_it(
    tmp_path: Path, camera: Path
) -> None:
    data_dir, folder = tmp_path / "data", camera
    before, exit_code = _import_until_some_are_in(data_dir, folder, signal.SIGINT)
    assert exit_code == 130
    assert 5 <= before < FILES, "the import should have been stopped part-way"
    again = run(data_dir, "import", str(folder), "--into", SPACE)
    assert f"{FILES - before} imported, {before} already present, 0 refused" in again.output
