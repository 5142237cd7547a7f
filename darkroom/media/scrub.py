"""Location metadata out of stored bytes (interim: the lossless editor is being written).

Until then every file is taken to carry location metadata and none can be edited losslessly, so
the caller re-encodes the image at its size, which drops every tag and keeps the orientation.
"""

from __future__ import annotations

from darkroom.media.formats import ImageFormat


def carries_location(data: bytes, fmt: ImageFormat) -> bool:
    return True


def without_location(data: bytes, fmt: ImageFormat) -> bytes | None:
    return None
