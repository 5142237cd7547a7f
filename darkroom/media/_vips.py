"""libvips set-up, loader choice and the one translation of ``pyvips.Error`` into domain errors.

Importing this module configures libvips for untrusted input, once per process:

- ``block_untrusted_set(True)`` disables loaders not fuzzed for hostile input (SVG via librsvg,
  MATLAB, FITS, ...), so even a mis-sniffed file never reaches them;
- the operation cache is off, so no decoded image or buffer outlives the request that made it.

Every call into libvips runs inside ``vips_errors()`` (like httpx's ``map_httpcore_exceptions``):
libvips raises one exception type for everything, so the mapping is one rule, and nothing
downstream ever sees a ``pyvips.Error`` or parses its text. What libvips cannot do at all is
decided *before* calling it, from the sniffed format (``require_decodable``), and raised as
``Unsupported``; a ``pyvips.Error`` therefore always means the bytes themselves are bad.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyvips

from darkroom.errors import Invalid, Unsupported
from darkroom.media import _gif, _heic
from darkroom.media.formats import SNIFF_BYTES, ImageFormat, sniff

pyvips.block_untrusted_set(True)
pyvips.cache_set_max(0)
pyvips.cache_set_max_files(0)

FAIL_ON = "error"
"""Stop decoding on truncation or a serious decoder error (not on mere warnings)."""

# The pyvips-binary wheel builds libheif with AV1 codecs only (aom, dav1d): an HEIC file's header
# reads here (``load``), but its HEVC pixels are decoded by pi-heif's libheif (``_heic``).
DECODABLE = frozenset(
    {
        ImageFormat.JPEG,
        ImageFormat.PNG,
        ImageFormat.WEBP,
        ImageFormat.GIF,
        ImageFormat.AVIF,
        ImageFormat.HEIC,
    }
)

_LOADERS = {
    ImageFormat.JPEG: "jpegload",
    ImageFormat.PNG: "pngload",
    ImageFormat.WEBP: "webpload",
    ImageFormat.GIF: "gifload",
    ImageFormat.AVIF: "heifload",
    ImageFormat.HEIC: "heifload",
}
_MULTI_FRAME = frozenset({ImageFormat.WEBP, ImageFormat.GIF, ImageFormat.AVIF, ImageFormat.HEIC})

Source = Path | bytes


@contextmanager
def vips_errors() -> Iterator[None]:
    """Turn any ``pyvips.Error`` raised inside the block into ``Invalid(field="image")``."""
    try:
        yield
    except pyvips.Error as exc:
        raise Invalid("the image data is corrupt or truncated", field="image") from exc


def has_field(image: Any, name: str) -> bool:
    """Whether ``image`` carries the metadata field ``name``, asked by name: ``get_fields()``
    lists every name, and some are made of the file's own bytes (heifload names each item
    ``heif-<item type>-<n>``), which pyvips decodes as UTF-8 and fails on (UnicodeDecodeError)."""
    return bool(image.get_typeof(name))


def sniff_source(source: Source) -> ImageFormat:
    """The format of a file or buffer, from its magic bytes."""
    if isinstance(source, bytes):
        return sniff(source[:SNIFF_BYTES])
    with source.open("rb") as file:
        return sniff(file.read(SNIFF_BYTES))


def require_decodable(fmt: ImageFormat) -> None:
    if fmt not in DECODABLE:
        raise Unsupported(f"{fmt.name} images cannot be decoded by this server", field="image")


def load(source: Source, fmt: ImageFormat, *, all_frames: bool = False) -> Any:
    """Open ``source`` with the loader for ``fmt`` (not libvips' own guess), sequential access.

    Only the header is read here; pixels are decoded when something consumes the image (but
    never those of an HEIC, which libvips cannot decode: its pixels come from ``_heic.decode``).
    """
    options: dict[str, Any] = {"access": "sequential", "fail_on": FAIL_ON}
    if all_frames and fmt in _MULTI_FRAME:
        options["n"] = -1
    if isinstance(source, bytes):
        return pyvips.Operation.call(_LOADERS[fmt] + "_buffer", source, **options)
    return pyvips.Operation.call(_LOADERS[fmt], str(source), **options)


def decode_fully(source: Source, fmt: ImageFormat) -> None:
    """Decode every pixel of every frame; ``Invalid`` if the data is truncated or corrupt."""
    require_decodable(fmt)
    if fmt is ImageFormat.HEIC:
        _heic.decode_all(source)
        return
    if fmt is ImageFormat.GIF:  # libnsgif decodes cut-off GIFs silently, so look for the cut
        data = source if isinstance(source, bytes) else source.read_bytes()
        if _gif.is_truncated(data):
            raise Invalid("the image data is corrupt or truncated", field="image")
    with vips_errors():
        load(source, fmt, all_frames=True).avg()
