"""The placeholder a page paints while an image loads: its ThumbHash, as base64 text.

Hashed from a rendition of ``PLACEHOLDER_SIDE`` px: a ThumbHash keeps only the lowest
frequencies of a picture, so a larger rendition gives the same hash, only slower (the encoder is
Python). ``render.make_renditions`` shrinks it from the pixels it decoded for the mezzanine.
"""

from __future__ import annotations

import base64
from typing import Any

from darkroom.media import _thumbhash

PLACEHOLDER_SIDE = 32
"""Longest side of the rendition hashed (ThumbHash takes at most 100 px)."""


def of_image(image: Any) -> str:
    """The base64 ThumbHash of an sRGB libvips ``image`` of at most ``PLACEHOLDER_SIDE`` px."""
    if image.format != "uchar":
        image = image.cast("uchar")
    if not image.hasalpha():
        image = image.bandjoin_const([255])
    pixels = bytes(image.write_to_memory())
    return base64.b64encode(_thumbhash.encode(image.width, image.height, pixels)).decode("ascii")
