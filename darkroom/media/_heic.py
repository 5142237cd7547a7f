"""Decode HEIC (HEVC in HEIF) through pi-heif's libheif, into a libvips image.

The pyvips-binary wheel's libheif has AV1 codecs only: it reads an HEIC header (which is all
``probe`` needs, so limits are still checked by libvips before anything here runs) but cannot
decode HEVC pixels. pi-heif is libheif with the libde265 decoder and no encoder; its decoded
8-bit RGB(A) buffer becomes a libvips image with ``new_from_memory``, and everything after that
(resize, colour, encode) is libvips as for every other format.

Orientation: libheif applies the file's ``irot``/``imir`` transforms while decoding, and the
header libvips reads reports the transformed size. Phones also write the same rotation as EXIF
Orientation (an iPhone writes both), so EXIF is obeyed only when the file has no transform at
all (``orientation``): the pixels come out upright exactly once either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pi_heif
import pyvips

from darkroom.errors import Invalid
from darkroom.media._container import Malformed
from darkroom.media._exif import read_orientation
from darkroom.media._heif import check_item_types, transformed

# pi-heif raises ValueError, EOFError, SyntaxError, RuntimeError or OSError for a file libheif
# cannot parse or decode, and its Python layer may fail in other ways on hostile metadata: any
# exception out of it means the file is bad (like ExifRead's in ``_exif``).
_DECODE_ERRORS = (Exception,)

# pi-heif's modes after ``convert_hdr_to_8bit`` (10- and 12-bit phones' HDR become 8-bit):
# bands, and whether the alpha is premultiplied.
_MODES = {"RGB": (3, False), "RGBA": (4, False), "RGBa": (4, True), "L": (1, False)}

# Only the primary image is ever shown: pi-heif need not gather the thumbnails, depth maps and
# auxiliary images (HDR gain maps, mattes) an iPhone file carries, so it does not.
pi_heif.options.THUMBNAILS = False
pi_heif.options.DEPTH_IMAGES = False
pi_heif.options.AUX_IMAGES = False


def orientation(data: bytes, exif: bytes | None) -> int:
    """The EXIF orientation (1-8) still to apply after libheif's decode of ``data``: 1 when the
    file rotates or mirrors itself (``irot``/``imir``), else its EXIF Orientation.
    ``Invalid`` when the file's boxes do not fit together (cut off, or forged sizes)."""
    try:
        if transformed(data):
            return 1
    except Malformed as exc:
        raise Invalid("the image data is corrupt or truncated", field="image") from exc
    return read_orientation(exif)


def decode(source: Path | bytes) -> Any:
    """The primary image of ``source``, decoded, upright (as ``orientation``), 8-bit, with its
    ICC profile attached when it has one. ``Invalid`` for anything libheif cannot decode."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    heif = _open(data)
    try:
        primary = heif[heif.primary_index]
        image = _to_vips(primary)
    except _DECODE_ERRORS as exc:
        raise Invalid("the image data is corrupt or truncated", field="image") from exc
    turn = orientation(data, primary.info.get("exif"))
    if turn != 1:
        image = image.copy()
        image.set_type(pyvips.GValue.gint_type, "orientation", turn)
        image = image.autorot()
    return image


def decode_all(source: Path | bytes) -> None:
    """Decode every top-level image of ``source``; ``Invalid`` if one does not decode."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    heif = _open(data)
    try:
        for image in heif:
            _ = image.data  # the decode happens on first access
    except _DECODE_ERRORS as exc:
        raise Invalid("the image data is corrupt or truncated", field="image") from exc


def _open(data: bytes) -> Any:
    """The parsed file (no pixels decoded yet)."""
    try:
        check_item_types(data)  # pi-heif crashes the process on some broken ones
        heif = pi_heif.open_heif(data, convert_hdr_to_8bit=True)
        if len(heif) == 0:
            raise ValueError("no image in the file")
        return heif
    except _DECODE_ERRORS as exc:
        raise Invalid("the image data is corrupt or truncated", field="image") from exc


def _to_vips(primary: Any) -> Any:
    if primary.mode not in _MODES:
        raise ValueError(f"unexpected decoded mode {primary.mode}")
    bands, premultiplied = _MODES[primary.mode]
    width, height = primary.size
    pixels = primary.data  # decodes
    if len(pixels) != width * height * bands:
        raise ValueError("decoded buffer does not match the image size")
    # Copied into libvips' own memory at once: pi-heif's ``data`` views libheif's buffer without
    # keeping it alive, and libheif frees it with its image while libvips may still read it (a
    # segfault). copy_memory of the wrapper alone would hand it back as it is, hence the copy.
    # The cost: twice the RGB buffer for a moment (72 MB for 12 MP) and a memcpy.
    wrapped = pyvips.Image.new_from_memory(pixels, width, height, bands, "uchar")
    image = wrapped.copy(interpretation="srgb" if bands >= 3 else "b-w").copy_memory()
    if premultiplied:
        image = image.unpremultiply().cast("uchar")
    icc = primary.info.get("icc_profile")
    if icc:
        image.set_type(pyvips.GValue.blob_type, "icc-profile-data", bytes(icc))
    return image
