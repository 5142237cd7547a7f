"""Walk a PNG's chunks and keep only what decoding and display need.

Kept verbatim, CRC and all: the critical chunks (IHDR, PLTE, IDAT, IEND, and any unknown critical
chunk, which a decoder must see to refuse the file as it would have), colour and transparency
(tRNS, gAMA, cHRM, sRGB, iCCP, sBIT, cICP, mDCV, cLLI), bKGD, hIST, pHYs, sPLT, and the APNG
animation (acTL, fcTL, fdAT). The first eXIf is replaced by one holding only its orientation,
written right after IHDR with a fresh CRC. Everything else goes: every text chunk (tEXt, zTXt,
iTXt: XMP lives in ``XML:com.adobe.xmp``, ImageMagick's EXIF and IPTC in ``Raw profile type
...``), tIME, C2PA (caBX), unknown ancillary chunks, and bytes after IEND.
"""

from __future__ import annotations

import zlib

from darkroom.media._container import Malformed, Scan, need, uint
from darkroom.media._tiff import ExifFacts, facts_of, orientation_block

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_KEPT = frozenset(
    {
        b"tRNS",
        b"gAMA",
        b"cHRM",
        b"sRGB",
        b"iCCP",
        b"sBIT",
        b"cICP",
        b"mDCV",
        b"mDCv",
        b"cLLI",
        b"cLLi",
        b"bKGD",
        b"hIST",
        b"pHYs",
        b"sPLT",
        b"acTL",
        b"fcTL",
        b"fdAT",
    }
)
_TEXT = frozenset({b"tEXt", b"zTXt", b"iTXt"})
_LOCATING_KEYWORDS = (b"XML:com.adobe.xmp", b"Raw profile type")
_EXIF_PREFIX = b"Exif\0\0"
_MAX_LENGTH = 2**31 - 1  # PNG's limit on a chunk's data length


def scan(data: bytes) -> Scan:
    if data[:8] != _SIGNATURE:
        raise Malformed("no PNG signature")
    view = memoryview(data)
    result = Scan(parts=[view[:8]])
    exif: ExifFacts | None = None
    seen_idat = False
    pos = 8
    while True:
        result.count_block()
        length = uint(data, pos, 4, big=True)
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if length > _MAX_LENGTH or not kind.isalpha() or len(kind) != 4:
            raise Malformed(f"not a chunk at {pos}")
        need(data, end)
        if (pos == 8) != (kind == b"IHDR"):
            raise Malformed("IHDR is not the first chunk")
        body = view[pos + 8 : end - 4]
        critical = kind[0] < ord("a")
        if kind == b"eXIf":
            exif = _exif(result, body, exif, shown=not seen_idat)
        elif kind in _TEXT:
            keyword = body[:80].tobytes().split(b"\0", 1)[0]
            result.locates = result.locates or keyword.startswith(_LOCATING_KEYWORDS)
        elif kind == b"caBX":  # a C2PA manifest may embed an EXIF assertion
            result.locates = True
        elif critical or kind in _KEPT:
            result.parts.append(view[pos:end])
        seen_idat = seen_idat or kind == b"IDAT"
        pos = end
        if kind == b"IEND":
            result.after_end(data, pos)
            return result


def _exif(result: Scan, body: memoryview, exif: ExifFacts | None, *, shown: bool) -> ExifFacts:
    facts = facts_of(body)
    result.locates = result.locates or facts.has_gps
    if exif is not None:  # readers honour the first eXIf only
        return exif
    # libspng (so libvips) ignores an eXIf after IDAT or in JPEG's prefixed form: its orientation
    # never turned the picture, so it must not start to now.
    if shown and body[: len(_EXIF_PREFIX)] != _EXIF_PREFIX:
        block = orientation_block(facts.orientation)
        if block is not None:
            result.parts.insert(2, _chunk(b"eXIf", block))  # right after the signature and IHDR
    return facts


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return len(body).to_bytes(4, "big") + kind + body + crc.to_bytes(4, "big")
