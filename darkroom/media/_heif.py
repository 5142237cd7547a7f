"""What a HEIF file (AVIF, HEIC) says about its items' geometry, read from its boxes alone.

libvips reads a HEIF header through libheif and reports a side beyond its largest coordinate
(10,000,000) as 1 px (GLib refuses the value and the default stays): a file declaring a
50,000,000 x 20 px image would pass the pixel limit as 1 x 20 px, and the decoder would then be
asked for a billion pixels. So the sizes are read here first, from every ``ispe`` (image spatial
extents) property, before libvips or libheif see the file. Whether the file turns its pixels
(``irot``, ``imir``) is read from the same properties.

``check_item_types`` guards pi-heif, which crashes the process (a segfault, measured with
pi-heif 1.4.0) on an item type that is not text, such as one byte flipped in ``Exif``.
"""

from __future__ import annotations

from collections.abc import Iterator

from darkroom.media._bmff import boxes
from darkroom.media._container import Malformed, Scan, uint

_FULL_BOX = 4  # version (1 byte) and flags (3 bytes)
_TRANSFORMS = frozenset({b"irot", b"imir"})
_TEXT = frozenset(range(0x20, 0x7F))  # printable ASCII: what item types and MIME types are made of


def largest_declared_side(data: bytes) -> int:
    """The longest width or height any item's ``ispe`` declares (0 without one).
    ``Malformed`` when the boxes do not fit together (cut off, or forged sizes)."""
    longest = 0
    for kind, start, end in _properties(data):
        if kind == b"ispe":
            if end - start < _FULL_BOX + 8:
                raise Malformed("ispe box too short")
            width = uint(data, start + _FULL_BOX, 4, big=True)
            height = uint(data, start + _FULL_BOX + 4, 4, big=True)
            longest = max(longest, width, height)
    return longest


def transformed(data: bytes) -> bool:
    """Whether the file holds an ``irot`` or ``imir`` property (any item's): then libheif turns
    the pixels while decoding. ``Malformed`` as ``largest_declared_side``."""
    return any(kind in _TRANSFORMS for kind, _, _ in _properties(data))


def check_item_types(data: bytes) -> None:
    """Raise ``Malformed`` unless every item's type (``infe``), and a ``mime`` item's content
    type and encoding, is printable ASCII (as every camera and encoder writes them)."""
    walk = Scan()
    for kind, start, end in boxes(walk, data, 0, len(data)):
        if kind != b"meta":
            continue
        for meta_kind, meta_start, meta_end in boxes(walk, data, start + _FULL_BOX, end):
            if meta_kind != b"iinf":
                continue
            version = uint(data, meta_start, 1, big=True)
            entries = meta_start + _FULL_BOX + (2 if version == 0 else 4)
            for entry_kind, entry_start, entry_end in boxes(walk, data, entries, meta_end):
                if entry_kind == b"infe":
                    _check_entry(data[entry_start:entry_end])


def _check_entry(entry: bytes) -> None:
    version = uint(entry, 0, 1, big=True)
    if version < 2:  # no item type before version 2
        return
    at = _FULL_BOX + (2 if version == 2 else 4) + 2  # item ID, protection index
    item_type = entry[at : at + 4]
    if len(item_type) != 4 or not set(item_type) <= _TEXT:
        raise Malformed("item type is not text")
    if item_type == b"mime":  # name, content type, optional encoding: NUL-terminated strings
        _name, *texts = entry[at + 4 :].split(b"\0")
        if any(not set(text) <= _TEXT for text in texts[:2]):
            raise Malformed("MIME type of an item is not text")


def _properties(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """``(type, payload start, end)`` of each property in ``meta/iprp/ipco``."""
    walk = Scan()
    for kind, start, end in boxes(walk, data, 0, len(data)):
        if kind != b"meta":
            continue
        for meta_kind, meta_start, meta_end in boxes(walk, data, start + _FULL_BOX, end):
            if meta_kind != b"iprp":
                continue
            for prop_kind, prop_start, prop_end in boxes(walk, data, meta_start, meta_end):
                if prop_kind == b"ipco":
                    yield from boxes(walk, data, prop_start, prop_end)
