"""Render variants: resize with shrink-on-load, auto-rotate, convert to sRGB, strip, encode.

Pure functions of ``(source, RenderSpec)``; no state survives a call. Metadata never survives
either: every encoder runs with ``keep="none"``, so no EXIF (GPS!), XMP, IPTC or ICC block
reaches a variant; pixels are converted to sRGB first, which is what a profile-less image means.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyvips

from darkroom.errors import Invalid, TooLarge, Unsupported
from darkroom.media import _dhash, _heic, _placeholder
from darkroom.media._placeholder import PLACEHOLDER_SIDE
from darkroom.media._vips import (
    FAIL_ON,
    Source,
    decode_fully,
    has_field,
    load,
    require_decodable,
    sniff_source,
    vips_errors,
)
from darkroom.media.formats import ImageFormat

MAX_RENDER_SIDE = 16384
"""No variant side may exceed this, whatever a client asks for."""

MEZZANINE_SIDE = 2048
"""Longest side of the rendition made once at ingest that smaller variants are rendered from."""

MEZZANINE_QUALITY = 90

AVIF_EFFORT = 2
"""libheif/aom effort 0-9; the default 4 is ~10x slower for a few per cent smaller files."""

WRITABLE = frozenset(
    {ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP, ImageFormat.AVIF, ImageFormat.GIF}
)

# What a variant of a source is encoded as when the spec does not say. A variant is one still
# frame, so GIF becomes PNG: lossless like GIF, keeps transparency, and needs no re-quantising.
# HEIC cannot be encoded here (no HEVC encoder in the libvips build), so it becomes JPEG.
_DEFAULT_OUTPUT = {
    ImageFormat.JPEG: ImageFormat.JPEG,
    ImageFormat.PNG: ImageFormat.PNG,
    ImageFormat.WEBP: ImageFormat.WEBP,
    ImageFormat.AVIF: ImageFormat.AVIF,
    ImageFormat.GIF: ImageFormat.PNG,
    ImageFormat.HEIC: ImageFormat.JPEG,
}

_UNBOUNDED = 10_000_000  # libvips' largest coordinate: "no constraint on this side"


class Fit(StrEnum):
    INSIDE = "inside"  # scale to fit within the box, keeping the aspect ratio
    COVER = "cover"  # scale to fill the box, cropping the overflow around the centre


@dataclass(frozen=True)
class RenderSpec:
    """A variant: a box, how to fit into it, and the encoding.

    ``width``/``height`` of 0 means "proportional to the other side"; both 0 means the original
    size. ``COVER`` with a 0 side has nothing to crop against and behaves as ``INSIDE``. Without
    ``upscale`` a source smaller than the box is never enlarged (``COVER`` still crops it to the
    box's aspect ratio). ``format=None`` keeps the source format where it can be written
    (see ``output_format``). ``quality`` (1-100) is ignored by the lossless PNG and GIF encoders.
    """

    width: int
    height: int
    fit: Fit = Fit.INSIDE
    format: ImageFormat | None = None
    quality: int = 82
    upscale: bool = False

    def __post_init__(self) -> None:
        for name, side in (("width", self.width), ("height", self.height)):
            if side < 0:
                raise Invalid(f"{name} must not be negative", field=name)
            if side > MAX_RENDER_SIDE:
                raise TooLarge(
                    f"{name} over {MAX_RENDER_SIDE} px", limit=MAX_RENDER_SIDE, field=name
                )
        if not 1 <= self.quality <= 100:
            raise Invalid("quality must be between 1 and 100", field="quality")
        if self.format is not None and self.format not in WRITABLE:
            raise Unsupported(f"cannot encode {self.format.name} images", field="format")

    @property
    def key(self) -> str:
        """A short stable name for the spec, safe as a storage path segment.

        For example ``"400x400-inside-q82.jpeg"``, ``"0x300-cover-q70-up.webp"``, or
        ``"...auto"`` when the format follows the source.
        """
        upscale = "-up" if self.upscale else ""
        fmt = self.format.value if self.format else "auto"
        return f"{self.width}x{self.height}-{self.fit.value}-q{self.quality}{upscale}.{fmt}"

    def output_format(self, source: ImageFormat) -> ImageFormat:
        """The format a variant of a ``source``-format image is encoded as."""
        return self.format or _DEFAULT_OUTPUT[source]


@dataclass(frozen=True)
class Rendered:
    """Encoded variant bytes and what they decode to."""

    data: bytes
    format: ImageFormat
    width: int
    height: int


def render(source: Path | bytes, spec: RenderSpec) -> Rendered:
    """Render ``spec`` from an original or mezzanine (a path, or the file's bytes).

    The source is expected to have passed ``probe`` (limits are not re-checked here), but is
    sniffed again, so anything that is not an accepted image is still ``Unsupported``.
    Corrupt or truncated data raises ``Invalid``.
    """
    fmt = sniff_source(source)
    require_decodable(fmt)
    output = spec.output_format(fmt)
    with vips_errors():
        image = _resize(source, spec)
        return _encode(image, output, spec.quality)


@dataclass(frozen=True)
class Renditions:
    """What ingest makes from an original in one decode: the mezzanine (``None`` when the
    original is its own), the placeholder (base64 ThumbHash) and the perceptual hash (signed
    64-bit dHash)."""

    mezzanine: Rendered | None
    placeholder: str
    perceptual_hash: int


def make_mezzanine(path: Path) -> Rendered | None:
    """The rendition variants up to ``MEZZANINE_SIDE`` px are made from, decoded fully once.

    ``None`` when the original is JPEG, PNG or WebP and already fits in ``MEZZANINE_SIDE`` px:
    then the original is its own mezzanine. Otherwise a high-quality (q90), auto-rotated,
    metadata-free rendition no larger than ``MEZZANINE_SIDE`` px: WebP when it has transparency,
    JPEG otherwise. Every pixel is decoded either way, so this is also the ingest's truncation
    check: ``Invalid`` on truncated or corrupt input.
    """
    return make_renditions(path).mezzanine


def make_renditions(path: Path) -> Renditions:
    """The mezzanine (as ``make_mezzanine``) and the placeholder, from one decode of ``path``.

    The upright first frame, at most ``MEZZANINE_SIDE`` px, is decoded into memory once (16 MB
    for 8-bit RGBA at most); the mezzanine is encoded from it and the placeholder shrunk from
    it, so the placeholder costs a few milliseconds, not a second decode. ``Invalid`` on
    truncated or corrupt input, every frame checked.
    """
    fmt = sniff_source(path)
    require_decodable(fmt)
    spec = RenderSpec(MEZZANINE_SIDE, MEZZANINE_SIDE, quality=MEZZANINE_QUALITY)
    with vips_errors():
        header = load(path, fmt)
        fits = max(header.width, header.height) <= MEZZANINE_SIDE
        frames = int(header.get("n-pages")) if has_field(header, "n-pages") else 1
        upright = _fitted(path, spec).copy_memory()  # every pixel of the first frame, once
        small = _srgb(_shrunk(upright, PLACEHOLDER_SIDE)).copy_memory()
        placeholder = _placeholder.of_image(small)
        perceptual_hash = _dhash.signed(_dhash.of_image(small))
        rendered = None
        if not (fits and fmt in {ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP}):
            rendered = _mezzanine_of(upright)
    if frames > 1:  # only the first frame was decoded
        decode_fully(path, fmt)
    return Renditions(mezzanine=rendered, placeholder=placeholder, perceptual_hash=perceptual_hash)


def make_placeholder(source: Path | bytes) -> str:
    """The placeholder (base64 ThumbHash) of a mezzanine or original, upright and in sRGB, for
    images stored before darkroom made placeholders at ingest."""
    require_decodable(sniff_source(source))
    with vips_errors():
        small = _resize(source, RenderSpec(PLACEHOLDER_SIDE, PLACEHOLDER_SIDE))
        return _placeholder.of_image(small)


def make_perceptual_hash(source: Path | bytes) -> int:
    """The 64-bit dHash (``media._dhash``, signed) of an original or mezzanine, upright, hashed
    from the same small rendition as the placeholder."""
    require_decodable(sniff_source(source))
    with vips_errors():
        return _dhash.signed(
            _dhash.of_image(_resize(source, RenderSpec(PLACEHOLDER_SIDE, PLACEHOLDER_SIDE)))
        )


def _mezzanine_of(upright: Any) -> Rendered:
    """The mezzanine of the decoded first frame: WebP if it has transparency, JPEG otherwise."""
    if upright.hasalpha() and upright.extract_band(upright.bands - 1).min() == 255:
        upright = upright.extract_band(0, n=upright.bands - 1)  # an alpha channel of nothing
    output = ImageFormat.WEBP if upright.hasalpha() else ImageFormat.JPEG
    return _encode(_srgb(upright), output, MEZZANINE_QUALITY)


def _shrunk(image: Any, side: int) -> Any:
    """An in-memory ``image`` scaled to fit ``side`` px (never enlarged)."""
    scale = side / max(image.width, image.height)
    return image.resize(scale) if scale < 1 else image


def _resize(source: Source, spec: RenderSpec) -> Any:
    """The resized, auto-rotated sRGB image (lazy: pixels are computed by the encoder)."""
    return _srgb(_fitted(source, spec))


def _fitted(source: Source, spec: RenderSpec) -> Any:
    """The image resized (shrink-on-load), cropped and auto-rotated, colours as they came."""
    width, height = spec.width or _UNBOUNDED, spec.height or _UNBOUNDED
    options: dict[str, Any] = {
        "height": height,
        "size": "both" if spec.upscale and (spec.width or spec.height) else "down",
        "fail_on": FAIL_ON,
    }
    if spec.fit is Fit.COVER and spec.width and spec.height:
        options["crop"] = "centre"
    if sniff_source(source) is ImageFormat.HEIC:  # decoded upright by libheif, then resized
        del options["fail_on"]
        image = _heic.decode(source).thumbnail_image(width, **options)
    elif isinstance(source, bytes):
        # thumbnail_buffer (libvips 8.18) ignores its fail_on argument; the loader options
        # string does reach the loader.
        options["option_string"] = f"fail_on={FAIL_ON}"
        image = pyvips.Image.thumbnail_buffer(source, width, **options)
    else:
        image = pyvips.Image.thumbnail(str(source), width, **options)
    if "crop" in options and not spec.upscale:
        image = _crop_to_aspect(image, spec.width / spec.height)
    return image


def _srgb(image: Any) -> Any:
    if has_field(image, "icc-profile-data"):
        # thumbnail converts CMYK itself but leaves e.g. Display P3 pixels as they are.
        return image.icc_transform("srgb", embedded=True)
    if image.interpretation != "srgb":
        return image.colourspace("srgb")
    return image


def _crop_to_aspect(image: Any, aspect: float) -> Any:
    """Centre-crop to width/height ``aspect``: a source smaller than a COVER box is cropped to the
    box's shape, not enlarged (libvips only crops the sides that overflow the box)."""
    width = min(image.width, max(1, round(image.height * aspect)))
    height = min(image.height, max(1, round(image.width / aspect)))
    if (width, height) == (image.width, image.height):
        return image
    return image.crop((image.width - width) // 2, (image.height - height) // 2, width, height)


def _encode(image: Any, fmt: ImageFormat, quality: int) -> Rendered:
    if fmt is ImageFormat.JPEG and image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    match fmt:
        case ImageFormat.JPEG:
            data = image.jpegsave_buffer(Q=quality, keep="none")
        case ImageFormat.PNG:
            data = image.pngsave_buffer(keep="none")
        case ImageFormat.WEBP:
            data = image.webpsave_buffer(Q=quality, keep="none")
        case ImageFormat.AVIF:
            data = image.heifsave_buffer(
                Q=quality, compression="av1", effort=AVIF_EFFORT, keep="none"
            )
        case ImageFormat.GIF:
            data = image.gifsave_buffer(keep="none")
        case _:
            raise Unsupported(f"cannot encode {fmt.name} images", field="format")
    return Rendered(data=data, format=fmt, width=image.width, height=image.height)
