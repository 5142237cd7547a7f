"""Whether an image may have transparency, read from its first bytes (no decoding).

A door that may not send an image's format re-encodes it, to PNG when transparency must survive
and to the smaller JPEG when it need not (``core.renditions``).
"""

from __future__ import annotations

from darkroom.media.formats import ImageFormat

ALPHA_HEAD_BYTES = 32
"""How many leading bytes ``may_have_alpha`` needs."""

_VP8X_ALPHA_FLAG = 0x10
_VP8L_SIGNATURE = 0x2F
_VP8L_ALPHA_BIT = 1 << 28  # after two 14-bit sides in the 32-bit little-endian header word


def may_have_alpha(fmt: ImageFormat, head: bytes) -> bool:
    """False only when the header says there is no alpha channel.

    WebP is read exactly (the extended header's alpha flag, the lossless header's alpha bit,
    none in simple lossy files); PNG by its colour type; other formats answer True when they
    can carry alpha (GIF, AVIF, HEIC), JPEG never.
    """
    if fmt is ImageFormat.WEBP:
        return _webp_alpha(head)
    if fmt is ImageFormat.PNG:
        # IHDR colour type at byte 25: 4 grey+alpha, 6 RGBA, 3 palette (may carry tRNS). A tRNS
        # chunk on grey or RGB (one transparent colour) lies beyond the head and is not seen.
        return len(head) < 26 or head[25] in (3, 4, 6)
    return fmt is not ImageFormat.JPEG


def _webp_alpha(head: bytes) -> bool:
    chunk = head[12:16]
    if chunk == b"VP8X":
        return len(head) < 21 or bool(head[20] & _VP8X_ALPHA_FLAG)
    if chunk == b"VP8L":
        if len(head) < 25 or head[20] != _VP8L_SIGNATURE:
            return True
        return bool(int.from_bytes(head[21:25], "little") & _VP8L_ALPHA_BIT)
    return chunk != b"VP8 "
