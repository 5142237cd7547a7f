"""The perceptual hash of a picture: a 64-bit difference hash (dHash), for near-duplicates.

The picture is shrunk to 9 x 8 grey pixels, whatever its shape, and each bit says whether a
pixel is brighter than its right-hand neighbour. Resizing, recompressing or a light crop moves few
of those comparisons, so copies land a few bits apart, while unrelated pictures differ in about
half of the 64. Hashed from the small rendition the placeholder is made from: dHash looks at
9 x 8 pixels, so a larger source gives the same bits, only slower.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

HASH_BITS = 64
_MASK = (1 << HASH_BITS) - 1
_COLUMNS, _ROWS = 9, 8


def of_image(image: Any) -> int:
    """The dHash of a libvips ``image`` (any size, bands and format), as an unsigned int."""
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    grey = image.colourspace("b-w") if image.bands >= 3 else image
    grid = grey.extract_band(0).resize(_COLUMNS / grey.width, vscale=_ROWS / grey.height)
    pixels = bytes(grid.cast("uchar").write_to_memory())
    bits = 0
    for row in range(_ROWS):
        line = pixels[row * _COLUMNS : (row + 1) * _COLUMNS]
        for left, right in pairwise(line):
            bits = (bits << 1) | (left > right)
    return bits


def signed(bits: int) -> int:
    """``bits`` as a signed 64-bit integer (two's complement), as an SQL BIGINT holds it."""
    return bits - (1 << HASH_BITS) if bits >> (HASH_BITS - 1) else bits


def distance(a: int, b: int) -> int:
    """How many of the 64 bits two hashes differ in (their Hamming distance)."""
    return ((a ^ b) & _MASK).bit_count()  # signed or unsigned alike
