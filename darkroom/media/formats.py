"""The image formats darkroom accepts, told apart by their magic bytes alone.

The client's content type and file name are never trusted: ``sniff`` looks at the first bytes of the
file and names one of six formats (HEIC by its ``heic``/``heix``/``hevc``... brands: HEVC in HEIF),
or refuses. Everything else (SVG, PDF, TIFF, BMP, HTML, text, empty input) is ``Unsupported``.
"""

from __future__ import annotations

from enum import StrEnum

from darkroom.errors import Unsupported

SNIFF_BYTES = 64
"""How many leading bytes ``sniff`` needs to see; fewer is fine for tiny inputs."""


class ImageFormat(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    GIF = "gif"
    AVIF = "avif"
    HEIC = "heic"

    @property
    def mime_type(self) -> str:
        return f"image/{self.value}"

    @property
    def extension(self) -> str:
        return "jpg" if self is ImageFormat.JPEG else self.value


# ISO-BMFF major/compatible brands (ISO/IEC 23008-12, AV1 Image File Format).
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})


def sniff(head: bytes) -> ImageFormat:
    """Name the format of a file from its first ``SNIFF_BYTES`` bytes, or raise ``Unsupported``."""
    if head.startswith(b"\xff\xd8\xff"):
        return ImageFormat.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageFormat.PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return ImageFormat.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ImageFormat.WEBP
    if head[4:8] == b"ftyp":
        brands = _ftyp_brands(head)
        if brands & _AVIF_BRANDS:
            return ImageFormat.AVIF
        if brands & _HEIC_BRANDS:
            return ImageFormat.HEIC
    raise Unsupported("not a JPEG, PNG, WebP, GIF, AVIF or HEIC image", field="image")


def _ftyp_brands(head: bytes) -> frozenset[bytes]:
    """The major and compatible brands of the leading ``ftyp`` box, as far as ``head`` has it."""
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    major = head[8:12]
    # Bytes 12-16 are the minor version; compatible brands follow, four bytes each.
    compatible = (head[i : i + 4] for i in range(16, box_end - 3, 4))
    return frozenset((major, *compatible))
