"""Walk a JPEG's marker segments and keep only what decoding and display need.

Kept verbatim: every segment that codes the picture (SOF, DHT, DQT, DRI, SOS, ...), the
entropy-coded scans, JFIF/JFXX (APP0), ICC profile chunks (APP2 ``ICC_PROFILE``) and Adobe's
colour-transform flag (APP14), which decoders need to get CMYK and YCCK colours right. The first
EXIF block (APP1) before the first scan, the one libjpeg reads, is replaced by one holding only
its orientation. Everything else goes: XMP and extended XMP (APP1), the Photoshop/IPTC block
(APP13), C2PA/JUMBF (APP11), Multi-Picture and FlashPix (APP2), other APPn, comments, and
whatever follows the end-of-image marker (the second pictures of a Multi-Picture file, a motion
photo's video), which can carry a whole EXIF of its own.

The scans are skipped with one regular-expression search each, so the walk is linear in the
file and runs Python code once per segment, not once per byte.
"""

from __future__ import annotations

import re

from darkroom.media._container import Malformed, Scan, need, uint
from darkroom.media._tiff import ExifFacts, facts_of, orientation_block

_SOI, _EOI, _SOS, _TEM, _COM = 0xD8, 0xD9, 0xDA, 0x01, 0xFE
_RST = range(0xD0, 0xD8)
_APP = range(0xE0, 0xF0)
_APP0, _APP1, _APP2, _APP3, _APP11, _APP13, _APP14 = 0xE0, 0xE1, 0xE2, 0xE3, 0xEB, 0xED, 0xEE
_EXIF = b"Exif\0\0"
_ICC = b"ICC_PROFILE\0"
_ADOBE = b"Adobe"
# APPn that hold, or may hold, where the picture was taken: EXIF/XMP, Kodak's EXIF-like "Meta",
# JUMBF (C2PA manifests may embed an EXIF assertion), Photoshop/IPTC (city, sublocation, ...).
_LOCATING = frozenset({_APP1, _APP3, _APP11, _APP13})

# In a scan, 0xFF is followed by 0x00 (a stuffed data byte) or an RSTn; anything else is a marker.
_MARKER_IN_SCAN = re.compile(rb"\xff(?![\x00\xd0-\xd7])")
_NOT_FILL = re.compile(rb"[^\xff]")


def scan(data: bytes) -> Scan:
    if data[:2] != b"\xff\xd8":
        raise Malformed("no start-of-image marker")
    view = memoryview(data)
    result = Scan(parts=[view[:2]])
    exif: ExifFacts | None = None
    pos = 2
    while True:
        result.count_block()
        if uint(data, pos, 1, big=True) != 0xFF:
            raise Malformed(f"no marker at {pos}")
        code = _NOT_FILL.search(data, pos)  # fill bytes (0xFF) may precede the marker code
        if code is None:
            raise Malformed("file ends in fill bytes")
        marker = data[code.start()]
        pos = code.start() + 1
        if marker == _EOI:
            result.parts.append(b"\xff\xd9")
            result.after_end(data, pos)
            return result
        if marker in _RST or marker == _TEM:  # standalone, no length
            result.parts.append(bytes((0xFF, marker)))
            continue
        if marker in (0x00, _SOI):
            raise Malformed(f"marker 0x{marker:02x} out of place")
        length = uint(data, pos, 2, big=True)
        if length < 2:
            raise Malformed("segment shorter than its length field")
        end = pos + length
        need(data, end)
        segment = view[pos - 2 : end]  # 0xFF, marker, length, payload
        if marker in _APP or marker == _COM:
            exif = _app_segment(result, marker, segment, exif)
        else:
            result.parts.append(segment)
        pos = end
        if marker == _SOS:
            # libjpeg (so libvips) reads metadata up to the first scan only: an EXIF block after
            # it never turned the picture, so from here on the orientation is settled.
            exif = exif or ExifFacts(orientation=1, has_gps=False)
            found = _MARKER_IN_SCAN.search(data, pos)
            if found is None:
                raise Malformed("scan runs to the end of the file")
            result.parts.append(view[pos : found.start()])
            pos = found.start()


def _app_segment(
    result: Scan, marker: int, segment: memoryview, exif: ExifFacts | None
) -> ExifFacts | None:
    """Keep, replace or drop one APPn or COM segment; returns the first EXIF block's facts."""
    payload = segment[4:]
    if (
        marker == _APP0
        or (marker == _APP2 and payload[: len(_ICC)] == _ICC)
        or (marker == _APP14 and payload[: len(_ADOBE)] == _ADOBE)
    ):
        result.parts.append(segment)
        return exif
    if marker == _APP1 and payload[: len(_EXIF)] == _EXIF:
        facts = facts_of(payload)
        result.locates = result.locates or facts.has_gps
        if exif is not None:  # readers honour the first EXIF block only; drop the others
            return exif
        block = orientation_block(facts.orientation)
        if block is not None:
            result.parts.append(_segment(_APP1, _EXIF + block))
        return facts
    if marker in _LOCATING:
        result.locates = True
    return exif


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload
