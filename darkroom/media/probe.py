"""Learn what an uploaded file is without decoding its pixels, and refuse it early if it is hostile.

``probe`` is the ingest gate: magic-byte sniff, markup-polyglot scan, header read, limits. A
400-megapixel PNG of a few hundred kilobytes is refused here before libvips allocates a single
row of it. ``verify_decodes`` is the expensive check that every pixel decodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from darkroom.errors import Invalid, TooLarge, Unsupported
from darkroom.media import _gif, _heic, _heif
from darkroom.media._container import Malformed
from darkroom.media._exif import PhotoFacts, read_exif
from darkroom.media._markup import contains_markup
from darkroom.media._vips import (
    decode_fully,
    has_field,
    load,
    require_decodable,
    sniff_source,
    vips_errors,
)
from darkroom.media.formats import ImageFormat

_HEIF = frozenset({ImageFormat.AVIF, ImageFormat.HEIC})


@dataclass(frozen=True)
class Limits:
    """The largest image darkroom accepts: total pixels over all frames, longest side, frames."""

    max_pixels: int = 100_000_000
    max_side: int = 16384
    max_frames: int = 100


@dataclass(frozen=True)
class ImageInfo:
    """What the header says. ``width`` and ``height`` are as displayed, after EXIF orientation."""

    format: ImageFormat
    width: int
    height: int
    frames: int
    orientation: int
    facts: PhotoFacts
    """Date, place, camera and exposure from the EXIF block; ``NO_FACTS`` without one."""

    @property
    def taken_at(self) -> datetime | None:
        return self.facts.taken_at

    @property
    def gps_lat(self) -> float | None:
        return self.facts.gps_lat

    @property
    def gps_long(self) -> float | None:
        return self.facts.gps_long


def probe(path: Path, limits: Limits) -> ImageInfo:
    """Sniff, scan for markup, read the header and check ``limits``, decoding no pixels.

    Raises ``Unsupported`` (not an accepted format, markup inside, undecodable here), ``Invalid``
    (header unreadable) or ``TooLarge`` (over ``limits``; ``limit`` names the bound crossed).
    """
    fmt = sniff_source(path)
    require_decodable(fmt)
    if contains_markup(path):
        raise Unsupported("the file contains HTML, SVG or script markup", field="image")
    boxes = path.read_bytes() if fmt in _HEIF else b""  # the file, read once, for HEIF's boxes
    if fmt in _HEIF:  # libvips reports sides past 10,000,000 px as 1 px: read them first
        _check_declared_sides(boxes, limits)
    with vips_errors():
        header = load(path, fmt)
        frames = _int_field(header, "n-pages", default=1)
        orientation = _int_field(header, "orientation", default=1)
        width, height = header.width, header.height
    if fmt is ImageFormat.HEIC:  # libheif turns the pixels itself; EXIF only where it does not
        orientation = _heic.orientation(boxes, _exif_block(header))
    if orientation not in range(1, 9):
        orientation = 1
    if orientation >= 5:  # 5-8 are transposed: the stored width is the displayed height
        width, height = height, width
    _check_limits(width, height, frames, limits)
    if fmt is ImageFormat.GIF:  # the canvas a viewer paints, which libvips does not report
        with path.open("rb") as file:
            screen_width, screen_height = _gif.logical_screen(file.read(10))
        _check_limits(max(width, screen_width), max(height, screen_height), frames, limits)

    return ImageInfo(
        format=fmt,
        width=width,
        height=height,
        frames=frames,
        orientation=orientation,
        facts=read_exif(_exif_block(header)),
    )


def read_facts(source: Path | bytes) -> PhotoFacts:
    """The EXIF facts of a stored original (a path, or the file's bytes), from its header, for
    blobs ingested before darkroom kept them. ``Unsupported`` or ``Invalid`` as ``probe`` for
    what is not a readable image."""
    fmt = sniff_source(source)
    require_decodable(fmt)
    with vips_errors():
        header = load(source, fmt)
        return read_exif(_exif_block(header))


def verify_decodes(path: Path) -> None:
    """Decode every pixel of every frame; ``Invalid`` if the file is truncated or corrupt."""
    decode_fully(path, sniff_source(path))


def _exif_block(header: Any) -> bytes | None:
    """The raw EXIF block libvips found in the file (JPEG APP1, PNG eXIf, WebP EXIF, HEIF item)."""
    if not has_field(header, "exif-data"):
        return None
    block = header.get("exif-data")
    return block if isinstance(block, bytes) else None


def _check_declared_sides(data: bytes, limits: Limits) -> None:
    try:
        side = _heif.largest_declared_side(data)
    except Malformed as exc:
        raise Invalid("the image data is corrupt or truncated", field="image") from exc
    if side > limits.max_side:
        raise TooLarge(
            f"an image of {side} px exceeds the {limits.max_side} px side limit",
            limit=limits.max_side,
            field="image",
        )


def _int_field(header: Any, name: str, *, default: int) -> int:
    return int(header.get(name)) if has_field(header, name) else default


def _check_limits(width: int, height: int, frames: int, limits: Limits) -> None:
    if width > limits.max_side or height > limits.max_side:
        raise TooLarge(
            f"{width}x{height} px exceeds the {limits.max_side} px side limit",
            limit=limits.max_side,
            field="image",
        )
    if frames > limits.max_frames:
        raise TooLarge(
            f"{frames} frames exceed the {limits.max_frames} frame limit",
            limit=limits.max_frames,
            field="image",
        )
    if width * height * frames > limits.max_pixels:
        raise TooLarge(
            f"{width * height * frames} px exceed the {limits.max_pixels} pixel limit",
            limit=limits.max_pixels,
            field="image",
        )
