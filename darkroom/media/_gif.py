"""Tell a truncated GIF from a whole one, and read the logical screen libvips does not report.

libvips' GIF loader (libnsgif) decodes a GIF cut off mid-frame without complaint, whatever
``fail_on`` says, filling the missing pixels. Walking the block structure finds the cut: a whole
GIF ends after a complete block (normally the ``;`` trailer); a truncated one ends inside a block.
The walk reads only block headers and sub-block lengths, never decompresses anything.

libvips reports a GIF's size as that of its frames, not of its logical screen (the canvas a
viewer allocates). A 65535x65535 screen around a 1x1 frame probes as 1x1, yet a browser shown
the stored file paints the whole screen; so the screen is read here and held to the same limits.
"""

from __future__ import annotations

_EXTENSION = 0x21
_IMAGE = 0x2C
_TRAILER = 0x3B
_SCREEN_END = 13  # 6 bytes signature + 7 bytes logical screen descriptor
_IMAGE_DESCRIPTOR = 9


def logical_screen(head: bytes) -> tuple[int, int]:
    """Width and height of the logical screen in a GIF's first 10 bytes (little-endian)."""
    if len(head) < 10:
        return 0, 0
    return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")


def is_truncated(data: bytes) -> bool:
    """Whether ``data`` (a whole GIF file) ends in the middle of a block."""
    if len(data) < _SCREEN_END:
        return True
    pos = _SCREEN_END + _color_table_size(data[10])
    while pos < len(data):
        block = data[pos]
        if block == _TRAILER:
            return False
        if block == _EXTENSION:
            pos += 2  # introducer, label
        elif block == _IMAGE:
            if pos + 1 + _IMAGE_DESCRIPTOR >= len(data):
                return True
            pos += 1 + _IMAGE_DESCRIPTOR + _color_table_size(data[pos + _IMAGE_DESCRIPTOR]) + 1
        else:
            return False  # not GIF structure any more: the decoder stops here too
        pos = _skip_sub_blocks(data, pos)
        if pos > len(data):
            return True
    return pos > len(data)


def _color_table_size(packed: int) -> int:
    return 3 * (1 << ((packed & 0x07) + 1)) if packed & 0x80 else 0


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    """The position after the sub-block chain starting at ``pos``, or past the end if cut off."""
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos
    return len(data) + 1
