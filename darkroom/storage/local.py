"""A blob store in a local directory: one file per key, written crash-safely.

``put`` writes into a uniquely named file in ``<root>/.tmp/`` (same filesystem as the keys),
fsyncs it, renames it onto the key's path with ``os.replace`` (atomic on POSIX) and fsyncs the
folder, so a writer killed at any moment leaves either the old file or the new one under the key,
plus at worst an orphan temp file that :meth:`LocalStore.sweep_temp` removes later.

Keys map to paths segment by segment (``blobs/ab/cd/x`` -> ``<root>/blobs/ab/cd/x``). Key rules
(:func:`~darkroom.storage.base.check_key`) forbid ``..``, absolute paths and names starting with
``.``, so no key reaches outside the root or into ``.tmp``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from darkroom.errors import Conflict, NotFound
from darkroom.storage.base import (
    DEFAULT_CHUNK_SIZE,
    Readable,
    check_key,
    check_prefix,
    check_range,
    is_key,
)

TEMP_DIR = ".tmp"
"""Folder inside the root holding in-progress writes; never listed by ``keys``."""

_ABSENT = (FileNotFoundError, NotADirectoryError, IsADirectoryError)
"""What the OS raises for a key that has no file: missing, under a file, or a folder."""


class LocalStore:
    """A ``BlobStore`` in the directory ``root`` (created with its ``.tmp/`` if missing)."""

    def __init__(self, root: Path, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        self.root = Path(root).resolve()
        self._tmp = self.root / TEMP_DIR
        self._tmp.mkdir(parents=True, exist_ok=True)
        self._chunk_size = chunk_size

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def put(self, key: str, stream: Readable) -> int:
        path = self._path(key)
        if path.is_dir():
            self._reclaim_folder(key, path)
        created = self._make_folders(key, path.parent)
        temp = self._tmp / f"{os.getpid()}-{secrets.token_hex(8)}.part"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            with open(os.open(temp, flags, 0o666), "wb") as file:
                written = 0
                while chunk := stream.read(self._chunk_size):
                    file.write(chunk)
                    written += len(chunk)
                file.flush()
                os.fsync(file.fileno())
            try:
                os.replace(temp, path)
            except IsADirectoryError:
                raise Conflict(f"blob key {key!r} is a folder of other keys", key=key) from None
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        _fsync_dir(path.parent)
        for folder in created:
            _fsync_dir(folder.parent)
        return written

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return path.open("rb")
        except _ABSENT:
            raise NotFound("blob", key) from None

    def open_range(self, key: str, start: int, end: int | None) -> Iterator[bytes]:
        check_range(start, end)
        self.size(key)  # NotFound now, not at the first chunk
        return self._read_range(key, start, end)

    def size(self, key: str) -> int:
        path = self._path(key)
        try:
            info = path.stat()
        except _ABSENT:
            raise NotFound("blob", key) from None
        if not stat.S_ISREG(info.st_mode):
            raise NotFound("blob", key)
        return info.st_size

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def local_path(self, key: str) -> Path:
        """Where ``key`` lives (or would) on this machine's disk, for servers that send files
        themselves (``pathsend``, nginx's ``X-Accel-Redirect``)."""
        return self._path(key)

    def presigned_url(self, key: str, seconds: int) -> str | None:
        return None  # files are only sent by darkroom itself, or a fronting nginx

    def delete(self, key: str) -> None:
        path = self._path(key)
        with contextlib.suppress(*_ABSENT):
            path.unlink()

    def keys(self, prefix: str = "") -> Iterator[str]:
        check_prefix(prefix)
        folder = prefix.rpartition("/")[0]
        top = self.root.joinpath(*folder.split("/")) if folder else self.root
        return self._walk(top, prefix)

    def sweep_temp(self, older_than: timedelta) -> int:
        """Remove temp files last written more than ``older_than`` ago; return how many.

        Temp files are left only by writers that died mid-``put`` (a live writer keeps its
        file's mtime fresh), so gc calls this with a margin well above the slowest upload.
        """
        cutoff = time.time() - older_than.total_seconds()
        removed = 0
        with os.scandir(self._tmp) as entries:
            for entry in entries:
                try:
                    if entry.stat(follow_symlinks=False).st_mtime > cutoff:
                        continue
                    os.unlink(entry.path)
                except (FileNotFoundError, IsADirectoryError, PermissionError):
                    continue
                removed += 1
        return removed

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def _read_range(self, key: str, start: int, end: int | None) -> Iterator[bytes]:
        if end is not None and end <= start:
            return
        try:
            file = self._path(key).open("rb")
        except _ABSENT:  # deleted since open_range checked
            raise NotFound("blob", key) from None
        with file:
            file.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                chunk = file.read(
                    self._chunk_size if remaining is None else min(self._chunk_size, remaining)
                )
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def _walk(self, top: Path, prefix: str) -> Iterator[str]:
        for folder, subfolders, files in os.walk(top):
            base = Path(folder).relative_to(self.root).as_posix()
            base = "" if base == "." else base + "/"
            subfolders[:] = [
                name
                for name in subfolders
                if not name.startswith(".") and _may_hold(base + name + "/", prefix)
            ]
            for name in files:
                key = base + name
                if key.startswith(prefix) and is_key(key):
                    yield key

    def _make_folders(self, key: str, folder: Path) -> list[Path]:
        """Create the folders above a key's file; return the ones created (to fsync)."""
        if folder.is_dir():
            return []
        created = []
        current = self.root
        for part in folder.relative_to(self.root).parts:
            current = current / part
            try:
                current.mkdir()
            except FileExistsError:
                if not current.is_dir():
                    existing = current.relative_to(self.root).as_posix()
                    raise Conflict(
                        f"blob key {key!r} is under the existing key {existing!r}", key=key
                    ) from None
            else:
                created.append(current)
        return created

    def _reclaim_folder(self, key: str, path: Path) -> None:
        """Remove a folder in the key's place if deletes left it empty, else raise Conflict."""
        try:
            for folder, _, _ in os.walk(path, topdown=False):
                os.rmdir(folder)
        except OSError:
            raise Conflict(f"blob key {key!r} is a folder of other keys", key=key) from None


def _fsync_dir(path: Path) -> None:
    """Make a folder's entries (a renamed-in file, a new subfolder) durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _may_hold(folder: str, prefix: str) -> bool:
    """Whether keys under ``folder`` (ending in ``/``) can start with ``prefix``."""
    return folder.startswith(prefix) or prefix.startswith(folder)
