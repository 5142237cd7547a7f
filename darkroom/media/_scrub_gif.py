"""Walk a GIF's blocks and keep only what decoding and display need.

Kept verbatim: the header, screen descriptor and colour tables, every image (descriptor and LZW
data), graphic control and plain-text extensions, and the application extensions that change how
the file plays or looks (NETSCAPE2.0 and ANIMEXTS1.0 looping, ICCRGBG1012 colour profile). XMP
(the ``XMP DataXMP`` application extension), comments, other application and unknown extensions,
and bytes after the trailer go. GIF has no EXIF, so there is no orientation to keep.
"""

from __future__ import annotations

from darkroom.media._container import Malformed, Scan, need, uint
from darkroom.media._gif import _color_table_size, _skip_sub_blocks

_SCREEN_END = 13  # signature and logical screen descriptor
_EXTENSION, _IMAGE, _TRAILER = 0x21, 0x2C, 0x3B
_GRAPHIC_CONTROL, _PLAIN_TEXT, _APPLICATION = 0xF9, 0x01, 0xFF
_KEPT_APPLICATIONS = frozenset({b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012"})
_XMP = b"XMP DataXMP"


def scan(data: bytes) -> Scan:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise Malformed("no GIF signature")
    pos = _SCREEN_END + _color_table_size(uint(data, 10, 1, big=True))
    need(data, pos)
    view = memoryview(data)
    result = Scan(parts=[view[:pos]])
    while True:
        result.count_block()
        block = uint(data, pos, 1, big=True)
        if block == _TRAILER:
            result.parts.append(b";")
            result.after_end(data, pos + 1)
            return result
        if block == _IMAGE:
            packed = uint(data, pos + 9, 1, big=True)
            end = _sub_blocks_end(data, pos + 10 + _color_table_size(packed) + 1)  # + LZW size
            result.parts.append(view[pos:end])
        elif block == _EXTENSION:
            label = uint(data, pos + 1, 1, big=True)
            end = _sub_blocks_end(data, pos + 2)
            if label == _APPLICATION:
                identifier = data[pos + 3 : pos + 14] if data[pos + 2 : pos + 3] == b"\x0b" else b""
                result.locates = result.locates or identifier == _XMP
                if identifier in _KEPT_APPLICATIONS:
                    result.parts.append(view[pos:end])
            elif label in (_GRAPHIC_CONTROL, _PLAIN_TEXT):
                result.parts.append(view[pos:end])
        else:
            raise Malformed(f"no GIF block at {pos}")
        pos = end


def _sub_blocks_end(data: bytes, pos: int) -> int:
    end = _skip_sub_blocks(data, pos)
    if end > len(data):
        raise Malformed("sub-blocks cut off")
    return end
