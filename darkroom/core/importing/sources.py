"""The files an import reads: every file under the folders and inside the zip files it is given.

Hidden files, sidecars (``.json``, ``.xmp``) and an export's manifest are not images of their own:
they are read beside the image they describe (``Entry.sibling``). Everything else is offered to
ingest, which sniffs the bytes and refuses what is not an image.
"""

from __future__ import annotations

import os
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

SIDECAR_SUFFIXES = frozenset({".json", ".xmp", ".aae"})  # .aae: an iPhone's edit steps
MANIFEST_NAMES = frozenset({"manifest.json", "SHA256SUMS"})  # what an export writes beside files
ZIP_SUFFIX = ".zip"
MAX_SIDECAR_BYTES = 1024 * 1024  # a sidecar is a few KB; a bigger "sidecar" is not read


@dataclass(frozen=True)
class Entry:
    """One file to import.

    ``path`` is what people are shown (``trip.zip!DCIM/a.jpg`` inside a zip); ``group`` is the
    name of the folder or zip it was found under (the album plain files go to), ``folder`` the
    name of the folder holding it (``DCIM``; the group's for a file at the top).
    """

    path: str
    name: str
    size: int
    group: str
    folder: str
    open: Callable[[], AbstractContextManager[IO[bytes]]]
    sibling: Callable[[str], bytes | None]


def entries(paths: Sequence[Path]) -> Iterator[Entry]:
    """The files under ``paths`` (folders, zips or single files), each tree in name order."""
    for path in paths:
        if path.is_dir():
            yield from _folder(path, path.resolve().name or "Imported")
        elif path.suffix.lower() == ZIP_SUFFIX and zipfile.is_zipfile(path):
            yield from _archive(path, path.stem)
        else:
            yield _file(path, path.parent, path.resolve().parent.name or "Imported")


def is_image_candidate(name: str) -> bool:
    """Whether a file of this name is offered to ingest (not hidden, not a sidecar or manifest)."""
    if name.startswith(".") or name in MANIFEST_NAMES:
        return False
    return PurePosixPath(name).suffix.lower() not in SIDECAR_SUFFIXES


def _folder(root: Path, group: str) -> Iterator[Entry]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        here = Path(folder)
        for name in sorted(files):
            path = here / name
            if name.lower().endswith(ZIP_SUFFIX) and zipfile.is_zipfile(path):
                yield from _archive(path, path.stem)
            elif is_image_candidate(name):
                yield _file(path, root.parent, group, group if here == root else here.name)


def _file(path: Path, shown_from: Path, group: str, folder: str | None = None) -> Entry:
    def sibling(name: str) -> bytes | None:
        return _small_file(path.parent / name)

    return Entry(
        path=os.path.relpath(path, shown_from),
        name=path.name,
        size=path.stat().st_size,
        group=group,
        folder=folder or group,
        open=lambda: path.open("rb"),
        sibling=sibling,
    )


def _small_file(path: Path) -> bytes | None:
    try:
        if path.stat().st_size > MAX_SIDECAR_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _archive(path: Path, group: str) -> Iterator[Entry]:
    # One ZipFile for all its entries: its reads share the file under a lock, so workers may
    # read several entries at once (each from its own offset).
    archive = zipfile.ZipFile(path)
    members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    lock = threading.Lock()
    for name in sorted(members):
        info = members[name]
        member = PurePosixPath(name)
        if "__MACOSX" in member.parts or not is_image_candidate(member.name):
            continue
        yield Entry(
            path=f"{path.name}!{name}",
            name=member.name,
            size=info.file_size,
            group=group,
            folder=member.parent.name or group,
            open=_member_opener(archive, info, lock),
            sibling=_member_sibling(archive, members, member),
        )


def _member_opener(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, lock: threading.Lock
) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    @contextmanager
    def opened() -> Iterator[IO[bytes]]:
        with lock:
            member = archive.open(info)
        with member:
            yield member

    return opened


def _member_sibling(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], member: PurePosixPath
) -> Callable[[str], bytes | None]:
    def sibling(name: str) -> bytes | None:
        info = members.get(str(member.with_name(name)))
        if info is None or info.file_size > MAX_SIDECAR_BYTES:
            return None
        try:
            return archive.read(info)
        except (OSError, zipfile.BadZipFile, RuntimeError):
            return None

    return sibling
