"""The image engine: the only part of darkroom that imports pyvips (libvips), and pi-heif
(libheif with an HEVC decoder, for HEIC pixels the libvips wheel cannot decode: ``_heic``).

- ``formats``: ``ImageFormat`` and ``sniff`` (magic bytes, never the client's word);
- ``probe``: ``probe`` reads the header and enforces ``Limits`` before any pixel is decoded,
  ``verify_decodes`` decodes everything, ``read_facts`` reads a stored original's EXIF
  ``PhotoFacts`` (date, place, camera, lens, exposure);
- ``render``: ``render`` turns a source and a ``RenderSpec`` into encoded bytes, and
  ``make_mezzanine`` makes the <= 2048 px rendition variants are cut from, ``make_renditions``
  makes it and the placeholder (a base64 ThumbHash) from one decode, ``make_placeholder`` makes
  a placeholder alone (for images stored before placeholders).

Everything raises the domain errors of ``darkroom.errors`` (``Unsupported``, ``Invalid``,
``TooLarge``) with ``field="image"``, never ``pyvips.Error``. All functions block; call them from a
thread pool in async code.
"""

from darkroom.media._dhash import HASH_BITS as PERCEPTUAL_HASH_BITS
from darkroom.media._dhash import distance as perceptual_distance
from darkroom.media._exif import NO_FACTS, PhotoFacts
from darkroom.media.formats import SNIFF_BYTES, ImageFormat, sniff
from darkroom.media.probe import ImageInfo, Limits, probe, read_facts, verify_decodes
from darkroom.media.render import (
    MEZZANINE_QUALITY,
    MEZZANINE_SIDE,
    Fit,
    Rendered,
    RenderSpec,
    Renditions,
    make_mezzanine,
    make_perceptual_hash,
    make_placeholder,
    make_renditions,
    render,
)

__all__ = [
    "MEZZANINE_QUALITY",
    "MEZZANINE_SIDE",
    "NO_FACTS",
    "PERCEPTUAL_HASH_BITS",
    "SNIFF_BYTES",
    "Fit",
    "ImageFormat",
    "ImageInfo",
    "Limits",
    "PhotoFacts",
    "RenderSpec",
    "Rendered",
    "Renditions",
    "make_mezzanine",
    "make_perceptual_hash",
    "make_placeholder",
    "make_renditions",
    "perceptual_distance",
    "probe",
    "read_facts",
    "render",
    "sniff",
    "verify_decodes",
]
