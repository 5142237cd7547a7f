"""What the location scrubber's container walkers share: bounds-checked reads and their result.

Slicing past the end of ``bytes`` silently returns fewer bytes, and ``int.from_bytes`` of a short
slice silently returns a smaller number: exactly the mistakes a hostile file exploits. ``uint``
and ``need`` refuse instead, with ``Malformed``, which ``darkroom.media.scrub`` catches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Part = bytes | memoryview

_PADDING = re.compile(rb"[\x00\xff]*")

MAX_BLOCKS = 65_536
"""More segments, chunks or blocks than this in one file is not a camera or an editor at work but
someone making the walk slow (a JPEG of 4-byte comments runs a million Python iterations in 4 MB):
such a file counts as malformed, and the caller falls back to re-encoding it."""


class Malformed(Exception):
    """The bytes break their container's structure; the caller gives up on them."""


@dataclass
class Scan:
    """One walk over a file: whether it may hold location, and the file without its metadata."""

    parts: list[Part] = field(default_factory=list)
    """The kept pieces in order; joined, they are the file without location metadata."""
    locates: bool = False
    """Whether something was found that holds, or may hold, location metadata."""
    blocks: int = 0

    def count_block(self) -> None:
        """Count one more block of the file, or raise ``Malformed`` past ``MAX_BLOCKS``."""
        self.blocks += 1
        if self.blocks > MAX_BLOCKS:
            raise Malformed(f"more than {MAX_BLOCKS} blocks")

    def after_end(self, data: bytes, pos: int) -> None:
        """Look at the bytes after the container's end at ``pos``, which are left out: anything
        but padding may hide location (a motion photo's video, a second picture's EXIF)."""
        if _PADDING.fullmatch(data, pos) is None:
            self.locates = True


def uint(data: bytes | memoryview, pos: int, size: int, *, big: bool) -> int:
    """The unsigned ``size``-byte integer at ``pos``, or ``Malformed`` if it is not all there."""
    end = pos + size
    if pos < 0 or end > len(data):
        raise Malformed(f"{size}-byte read at {pos} past the end ({len(data)})")
    return int.from_bytes(data[pos:end], "big" if big else "little")


def need(data: bytes | memoryview, end: int) -> None:
    """Raise ``Malformed`` unless ``data`` holds at least ``end`` bytes."""
    if end > len(data):
        raise Malformed(f"needs {end} bytes, has {len(data)}")
