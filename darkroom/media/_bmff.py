"""Tell whether an AVIF or HEIC file may hold location metadata, from its boxes alone.

HEIF stores EXIF and XMP as items of the file's ``meta`` box: an ``infe`` entry of type ``Exif``,
or of type ``mime`` (XMP is ``application/rdf+xml``). Finding one is enough: their payloads are not
located (that takes ``iloc``), so any EXIF item counts, GPS or not. A top-level box other than
the ones a still image needs (an image sequence's ``moov`` with its user data, a ``uuid``) counts
too. Removing items would mean rewriting ``iloc`` offsets, so nothing here edits a file.
"""

from __future__ import annotations

from collections.abc import Iterator

from darkroom.media._container import Malformed, Scan, need, uint

_PLAIN_TOP = frozenset({b"ftyp", b"meta", b"mdat", b"free", b"skip"})
_LOCATING_ITEMS = frozenset({b"Exif", b"mime"})
_FULL_BOX = 4  # version (1 byte) and flags (3 bytes)


def locates(data: bytes) -> bool:
    """Whether ``data`` has an EXIF or XMP item, or a top-level box beyond a still image's."""
    walk = Scan()  # counts the boxes, all levels together
    for kind, start, end in boxes(walk, data, 0, len(data)):
        if kind == b"meta":
            if _meta_locates(walk, data, start + _FULL_BOX, end):
                return True
        elif kind not in _PLAIN_TOP:
            return True
    return False


def _meta_locates(walk: Scan, data: bytes, pos: int, end: int) -> bool:
    for kind, start, box_end in boxes(walk, data, pos, end):
        if kind == b"iinf":
            version = uint(data, start, 1, big=True)
            entries = start + _FULL_BOX + (2 if version == 0 else 4)
            if any(
                _item_locates(data, s, e)
                for k, s, e in boxes(walk, data, entries, box_end)
                if k == b"infe"
            ):
                return True
    return False


def _item_locates(data: bytes, start: int, end: int) -> bool:
    version = uint(data, start, 1, big=True)
    if version < 2:  # no item type before version 2: nothing says what the item is
        return True
    type_at = start + _FULL_BOX + (2 if version == 2 else 4) + 2  # item ID, protection index
    if type_at + 4 > end:
        raise Malformed("item entry too short for its type")
    return data[type_at : type_at + 4] in _LOCATING_ITEMS


def boxes(walk: Scan, data: bytes, pos: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """``(type, payload start, box end)`` of each box from ``pos`` to ``end``."""
    need(data, end)
    while pos < end:
        walk.count_block()
        size = uint(data, pos, 4, big=True)
        header = 8
        if size == 1:  # a 64-bit size follows the type
            size = uint(data, pos + 8, 8, big=True)
            header = 16
        elif size == 0:  # runs to the end of the enclosing box
            size = end - pos
        if size < header or pos + size > end:
            raise Malformed(f"box at {pos} does not fit")
        yield data[pos + 4 : pos + 8], pos + header, pos + size
        pos += size
