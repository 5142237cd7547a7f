"""Where an export writes its files: a folder, or a zip streamed to any writable stream.

Both take files as chunks and never hold one whole, so an export of any size runs in the same
small memory. A zip written to a pipe (stdout) cannot seek back: ``zipfile`` then puts each
entry's sizes and CRC after its data (a data descriptor), which every unzip tool reads.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

from darkroom.errors import Invalid

PART = ".part"  # a folder's original is written under this suffix and renamed once verified


class Writer(Protocol):
    """An export's destination. Paths are relative and ``/``-separated."""

    keeps_failed: bool
    """Whether a file whose chunks raised stays behind (a stream cannot take bytes back)."""

    def write(
        self, path: str, chunks: Iterable[bytes], *, size: int, modified: datetime, compress: bool
    ) -> None:
        """Write ``chunks`` as ``path``. If ``chunks`` raises, the error propagates; a folder
        leaves no file behind."""
        ...

    def close(self) -> None: ...


class FolderWriter:
    """Files under ``root``, which must be new or empty: an export never overwrites."""

    keeps_failed = False

    def __init__(self, root: Path) -> None:
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise Invalid(f"{root} exists and is not an empty folder", field="dest")
        root.mkdir(parents=True, exist_ok=True)
        self.root = root

    def write(
        self, path: str, chunks: Iterable[bytes], *, size: int, modified: datetime, compress: bool
    ) -> None:
        target = self.root.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + PART)
        try:
            with part.open("xb") as out:
                for chunk in chunks:
                    out.write(chunk)
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        stamp = modified.timestamp()
        os.utime(target, (stamp, stamp))

    def close(self) -> None:
        pass


class ZipWriter:
    """A zip written front to back onto ``stream`` (a file, a pipe, a socket): originals stored
    as they are (photos do not compress), JSON deflated."""

    keeps_failed = True

    def __init__(self, stream: IO[bytes]) -> None:
        # zipfile wraps a stream without tell() itself and writes data descriptors then.
        self._zip = zipfile.ZipFile(stream, "w", allowZip64=True)

    def write(
        self, path: str, chunks: Iterable[bytes], *, size: int, modified: datetime, compress: bool
    ) -> None:
        info = zipfile.ZipInfo(path, date_time=_dos_time(modified))
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.file_size = size  # lets zipfile choose ZIP64 headers up front for big files
        info.external_attr = 0o644 << 16
        with self._zip.open(info, "w") as out:
            for chunk in chunks:
                out.write(chunk)

    def close(self) -> None:
        self._zip.close()


def _dos_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    """``moment`` in UTC as a zip's date and time, which hold only 1980 to 2107."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    clamped = min(max(utc.replace(tzinfo=None), datetime(1980, 1, 1)), datetime(2107, 12, 31))
    return (
        clamped.year,
        clamped.month,
        clamped.day,
        clamped.hour,
        clamped.minute,
        clamped.second,
    )
