"""Walk a WebP's RIFF chunks and keep only what decoding and display need.

Kept verbatim: the bitstreams (VP8, VP8L, ALPH), the animation (ANIM, ANMF with its frames), and
the ICC profile (ICCP). The first EXIF chunk is replaced by one holding only its orientation (if
VP8X flags EXIF: libvips looks for it only then). XMP, further EXIF chunks, unknown chunks and bytes
after the RIFF end go. VP8X's EXIF and XMP flags are rewritten to match what is left, and the RIFF
size to the new length.
"""

from __future__ import annotations

from darkroom.media._container import Malformed, Part, Scan, need, uint
from darkroom.media._tiff import ExifFacts, facts_of, orientation_block

_KEPT = frozenset({b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L"})
_VP8X_SIZE = 10
_EXIF_FLAG = 0x08
_XMP_FLAG = 0x04


def scan(data: bytes) -> Scan:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise Malformed("not a RIFF WEBP file")
    riff_end = 8 + uint(data, 4, 4, big=False)
    need(data, riff_end)
    view = memoryview(data)
    result = Scan()
    exif: ExifFacts | None = None
    exif_at = 0
    vp8x: memoryview | None = None
    pos = 12
    while pos < riff_end:
        result.count_block()
        if pos + 8 > riff_end:
            raise Malformed("chunk header past the RIFF end")
        kind = data[pos : pos + 4]
        size = uint(data, pos + 4, 4, big=False)
        end = pos + 8 + size + (size & 1)
        if end > riff_end:
            raise Malformed(f"chunk at {pos} past the RIFF end")
        body = view[pos + 8 : pos + 8 + size]
        if kind == b"VP8X":
            if pos != 12 or size < _VP8X_SIZE:
                raise Malformed("misplaced or short VP8X")
            vp8x = view[pos:end]
        elif kind == b"EXIF":
            if exif is None:  # readers honour the first EXIF chunk only
                exif_at = len(result.parts)
            facts = facts_of(body)
            result.locates = result.locates or facts.has_gps
            exif = exif or facts
        elif kind == b"XMP ":
            result.locates = True
        elif kind in _KEPT:
            result.parts.append(view[pos:end])
        pos = end
    result.after_end(data, riff_end)
    # libvips looks for EXIF only when VP8X flags it, and the simple format (no VP8X) has no
    # flags: an orientation it never saw must not start to turn the picture now.
    shown = vp8x is not None and bool(vp8x[8] & _EXIF_FLAG)
    block = orientation_block(exif.orientation) if exif and shown else None
    if block is not None:
        result.parts.insert(exif_at, _chunk(b"EXIF", block))
    if vp8x is not None:
        result.parts.insert(0, _vp8x(vp8x, keeps_exif=block is not None))
    body_length = 4 + sum(len(part) for part in result.parts)
    result.parts.insert(0, b"RIFF" + body_length.to_bytes(4, "little") + b"WEBP")
    return result


def _vp8x(chunk: memoryview, *, keeps_exif: bool) -> Part:
    flags = chunk[8] & ~(_EXIF_FLAG | _XMP_FLAG) | (_EXIF_FLAG if keeps_exif else 0)
    if flags == chunk[8]:
        return chunk
    return chunk[:8].tobytes() + bytes((flags,)) + chunk[9:].tobytes()


def _chunk(kind: bytes, body: bytes) -> bytes:
    pad = b"\0" * (len(body) & 1)
    return kind + len(body).to_bytes(4, "little") + body + pad
