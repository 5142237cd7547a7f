"""Read the two facts the location scrubber needs from a raw EXIF (TIFF) block, and write the
smallest EXIF block that keeps an image's orientation.

An EXIF block is a little TIFF file: a byte-order mark, a pointer to IFD0, and IFDs of 12-byte
entries. Only IFD0 is read: its Orientation entry (0x0112) and its pointer to the GPS IFD
(0x8825). Nothing here follows more than one pointer, so the work is bounded by the 65,535 entries
an IFD can hold. The input is untrusted; every read is bounds-checked and anything that does not
add up raises ``Malformed``. (``darkroom.media._exif`` reads the facts darkroom keeps, date, place
and camera, with ExifRead; this module only decides what the scrubber must keep or drop.)
"""

from __future__ import annotations

from dataclasses import dataclass

from darkroom.media._container import Malformed, uint

_ORIENTATION = 0x0112
_GPS_IFD = 0x8825
_SHORT = 3
_ENTRY = 12
_UPRIGHT = 1
_EXIF_PREFIX = b"Exif\0\0"


@dataclass(frozen=True)
class ExifFacts:
    orientation: int
    """1-8 as EXIF defines them; 1 (upright) when absent or out of range."""
    has_gps: bool
    """Whether IFD0 points to a GPS IFD that holds entries, or that cannot be read."""


def facts_of(block: bytes | memoryview) -> ExifFacts:
    """The facts of an EXIF block, with or without JPEG's ``Exif\\0\\0`` prefix (PNG and WebP
    writers copy it over at times). An unreadable block counts as upright with GPS: nothing
    proves it holds none."""
    if block[: len(_EXIF_PREFIX)] == _EXIF_PREFIX:
        block = block[len(_EXIF_PREFIX) :]
    try:
        return read_facts(block)
    except Malformed:
        return ExifFacts(orientation=_UPRIGHT, has_gps=True)


def read_facts(tiff: bytes | memoryview) -> ExifFacts:
    """The orientation and GPS presence of the EXIF block ``tiff`` (starting at its byte order)."""
    big = _byte_order(tiff)
    if uint(tiff, 2, 2, big=big) != 42:
        raise Malformed("not a TIFF header")
    ifd0 = uint(tiff, 4, 4, big=big)
    count = uint(tiff, ifd0, 2, big=big)
    if ifd0 + 2 + count * _ENTRY > len(tiff):
        raise Malformed("IFD0 runs past the block")
    orientation: int | None = None
    has_gps = False
    for index in range(count):
        entry = ifd0 + 2 + index * _ENTRY
        tag = uint(tiff, entry, 2, big=big)
        if tag == _ORIENTATION and orientation is None:  # readers take the first entry
            value = uint(tiff, entry + 8, 2, big=big)
            short = uint(tiff, entry + 2, 2, big=big) == _SHORT
            orientation = value if short and 1 <= value <= 8 else _UPRIGHT
        elif tag == _GPS_IFD:
            has_gps = has_gps or _gps_has_entries(tiff, uint(tiff, entry + 8, 4, big=big), big)
    return ExifFacts(orientation=orientation or _UPRIGHT, has_gps=has_gps)


def _byte_order(tiff: bytes | memoryview) -> bool:
    """True for big-endian ("MM"), False for little-endian ("II")."""
    mark = bytes(tiff[:2])
    if mark == b"MM":
        return True
    if mark == b"II":
        return False
    raise Malformed("no TIFF byte-order mark")


def _gps_has_entries(tiff: bytes | memoryview, offset: int, big: bool) -> bool:
    # A pointer to nowhere might still be followed by a lenient reader: count it as GPS.
    if offset + 2 > len(tiff):
        return True
    return uint(tiff, offset, 2, big=big) > 0


def orientation_block(orientation: int) -> bytes | None:
    """A big-endian EXIF block holding only ``orientation``, or None when upright (1)."""
    if orientation == _UPRIGHT:
        return None
    entry = (
        _ORIENTATION.to_bytes(2, "big")
        + _SHORT.to_bytes(2, "big")
        + (1).to_bytes(4, "big")  # one value
        + orientation.to_bytes(2, "big")
        + b"\0\0"  # the value field is 4 bytes wide
    )
    # Header, IFD0 at offset 8 with one entry, no next IFD.
    return b"MM\x00\x2a" + (8).to_bytes(4, "big") + (1).to_bytes(2, "big") + entry + bytes(4)
