"""LocalStore specifics: on-disk layout, crash safety, fsync, temp files."""

from __future__ import annotations

import io
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from darkroom.errors import Invalid
from darkroom.storage import LocalStore

KEY = "blobs/ab/cd/abcd0123"

# Opens a LocalStore and puts an endless stream that trickles 64 KiB chunks, until killed.
ENDLESS_WRITER = """
import sys, time
from pathlib import Path
from darkroom.storage import LocalStore

class Endless:
    def read(self, size=-1):
        time.sleep(0.005)
        return b"x" * 65536

LocalStore(Path(sys.argv[1])).put(sys.argv[2], Endless())
"""


def _temp_files(store: LocalStore) -> list[Path]:
    return sorted((store.root / ".tmp").iterdir())


def test_local_store_missing_root_creates_root_and_tmp(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "a" / "b")

    assert (tmp_path / "a" / "b").is_dir()
    assert (tmp_path / "a" / "b" / ".tmp").is_dir()
    assert store.root == (tmp_path / "a" / "b").resolve()


def test_local_store_relative_root_resolves_against_cwd_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = LocalStore(Path("data"))
    monkeypatch.chdir("/")

    store.put("k", io.BytesIO(b"v"))

    assert (tmp_path / "data" / "k").read_bytes() == b"v"


def test_local_put_key_writes_file_at_key_path(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)

    store.put(KEY, io.BytesIO(b"bytes"))

    assert (tmp_path / "blobs" / "ab" / "cd" / "abcd0123").read_bytes() == b"bytes"
    assert _temp_files(store) == []


def test_local_put_writer_killed_midway_leaves_no_partial_blob(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "root")
    child = subprocess.Popen([sys.executable, "-c", ENDLESS_WRITER, str(store.root), KEY])
    try:
        deadline = time.monotonic() + 8
        while not any(path.stat().st_size > 0 for path in _temp_files(store)):
            assert child.poll() is None, "writer exited before it was killed"
            assert time.monotonic() < deadline, "writer never wrote"
            time.sleep(0.01)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()

    assert child.returncode == -signal.SIGKILL
    assert not (store.root / KEY).exists()
    assert not store.exists(KEY)
    assert list(store.keys()) == []
    [orphan] = _temp_files(store)
    assert orphan.stat().st_size > 0
    assert store.sweep_temp(older_than=timedelta(0)) == 1
    assert _temp_files(store) == []


def test_local_put_fsyncs_file_before_rename_then_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path)
    final = tmp_path / "blobs" / "ab" / "cd" / "abcd0123"
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        kind = "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        synced.append((kind, final.exists()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)

    store.put(KEY, io.BytesIO(b"bytes"))

    assert synced[0] == ("file", False)  # the data, before it appears under the key
    assert ("folder", True) in synced[1:]  # the rename, after it
    assert len(synced) == 1 + 1 + 3  # file, its folder, and the parents of 3 new folders


def test_local_put_into_existing_folder_fsyncs_file_and_folder_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path)
    store.put("blobs/ab/cd/first", io.BytesIO(b"1"))
    calls: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        calls.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)

    store.put(KEY, io.BytesIO(b"bytes"))

    assert len(calls) == 2


def test_local_put_failing_stream_removes_temp_file(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)

    class Broken:
        def read(self, size: int = -1, /) -> bytes:
            raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        store.put(KEY, Broken())

    assert _temp_files(store) == []
    assert not (tmp_path / KEY).exists()


def test_local_keys_foreign_files_are_not_listed(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put(KEY, io.BytesIO(b"bytes"))
    (tmp_path / ".tmp" / "123-abc.part").write_bytes(b"partial")
    (tmp_path / ".hidden").write_bytes(b"x")
    (tmp_path / "blobs" / ".DS_Store").write_bytes(b"x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_bytes(b"x")
    (tmp_path / "blobs" / "bad name").write_bytes(b"x")

    assert list(store.keys()) == [KEY]
    assert list(store.keys(".")) == []


def test_local_sweep_temp_recent_files_are_kept(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    recent = tmp_path / ".tmp" / "1-recent.part"
    stale = tmp_path / ".tmp" / "2-stale.part"
    recent.write_bytes(b"in progress")
    stale.write_bytes(b"abandoned")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))

    assert store.sweep_temp(older_than=timedelta(hours=1)) == 1

    assert _temp_files(store) == [recent]


def test_local_sweep_temp_never_touches_keys(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put(KEY, io.BytesIO(b"bytes"))

    assert store.sweep_temp(older_than=timedelta(0)) == 0

    assert list(store.keys()) == [KEY]


@pytest.mark.parametrize(
    "key", ["../outside", "../../etc/passwd", "/tmp/outside", "a/../../outside", ".tmp/x"]
)
def test_local_put_escaping_key_raises_invalid_and_writes_nothing(tmp_path: Path, key: str) -> None:
    store = LocalStore(tmp_path / "root")

    with pytest.raises(Invalid):
        store.put(key, io.BytesIO(b"bytes"))

    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert written == []


def test_local_store_root_is_a_file_raises(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"x")

    with pytest.raises(NotADirectoryError):
        LocalStore(tmp_path / "file")
