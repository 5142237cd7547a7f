"""Images that give away where they were taken, built by hand byte for byte where libvips would
not write the block (extended XMP, APP3, data after the end) and through libvips otherwise."""

from __future__ import annotations

import functools
import struct
import zlib
from typing import Any

import pyvips

from tests.media.conftest import gradient

# 48° 51' 29.6417" N: the seconds' numerator is distinctive enough to look for in raw bytes.
SECONDS = 296417
CITY = b"Darkroomville"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="' + CITY + b'"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
# Photoshop image resource 0x0404 (IPTC-IIM) holding dataset 2:90, City.
IPTC = (
    b"Photoshop 3.0\x00"
    + b"8BIM\x04\x04\x00\x00"
    + struct.pack(">I", 5 + len(CITY))
    + b"\x1c\x02\x5a"
    + struct.pack(">H", len(CITY))
    + CITY
)


def tiff(*, orientation: int = 1, gps: bool = True, little: bool = True) -> bytes:
    """An EXIF (TIFF) block: IFD0 with Orientation and, with ``gps``, a GPS IFD with a latitude."""
    order = "<" if little else ">"
    gps_ifd = 8 + 2 + 2 * 12 + 4
    ifd0 = [(0x0112, 3, 1, struct.pack(order + "HH", orientation, 0))]
    if gps:
        ifd0.append((0x8825, 4, 1, struct.pack(order + "I", gps_ifd)))
    rationals = gps_ifd + 2 + 2 * 12 + 4
    gps_entries = [
        (0x0001, 2, 2, b"N\0\0\0"),  # GPSLatitudeRef
        (0x0002, 5, 3, struct.pack(order + "I", rationals)),  # GPSLatitude
    ]
    block = (b"II*\0" if little else b"MM\0*") + struct.pack(order + "I", 8) + _ifd(order, ifd0)
    if gps:
        block += _ifd(order, gps_entries) + struct.pack(order + "6I", 48, 1, 51, 1, SECONDS, 10000)
    return block


def _ifd(order: str, entries: list[tuple[int, int, int, bytes]]) -> bytes:
    body = b"".join(struct.pack(order + "HHI", *entry[:3]) + entry[3] for entry in entries)
    return struct.pack(order + "H", len(entries)) + body + b"\0\0\0\0"


def gps_bytes_in(data: bytes) -> bool:
    return struct.pack("<I", SECONDS) in data or struct.pack(">I", SECONDS) in data


def with_metadata(
    image: Any, *, exif: bytes | None = None, xmp: bytes | None = None, iptc: bytes | None = None
) -> Any:
    """``image`` carrying the given raw blocks, for libvips to write on save."""
    image = image.copy()
    for name, blob in (("exif-data", exif), ("xmp-data", xmp), ("iptc-data", iptc)):
        if blob is not None:
            image.set_type(pyvips.GValue.blob_type, name, blob)
    return image


def located(fmt: str, *, orientation: int = 1, width: int = 64, height: int = 48) -> bytes:
    """A ``fmt`` file (jpeg, png, webp) with EXIF GPS, XMP with a city, and IPTC for JPEG."""
    image = with_metadata(
        gradient(width, height),
        exif=b"Exif\0\0" + tiff(orientation=orientation),
        xmp=XMP,
        iptc=IPTC if fmt == "jpeg" else None,
    )
    data: bytes = getattr(image, f"{fmt}save_buffer")()
    return data


def plain(fmt: str, *, width: int = 64, height: int = 48, **options: Any) -> bytes:
    """A ``fmt`` file libvips wrote with no metadata at all."""
    data: bytes = getattr(gradient(width, height), f"{fmt}save_buffer")(keep="none", **options)
    return data


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def after_ihdr(png: bytes, *chunks: bytes) -> bytes:
    ihdr_end = 8 + 12 + 13
    return png[:ihdr_end] + b"".join(chunks) + png[ihdr_end:]


def png_chunks(png: bytes) -> list[tuple[bytes, bytes, int]]:
    """``(type, data, stored CRC)`` of every chunk of a well-formed PNG."""
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        chunks.append((kind, body, crc))
        pos += 12 + length
    return chunks


def riff_chunks(webp: bytes) -> list[tuple[bytes, bytes]]:
    """``(fourcc, payload)`` of every top-level chunk of a well-formed WebP."""
    chunks, pos = [], 12
    while pos < len(webp):
        kind, (size,) = webp[pos : pos + 4], struct.unpack("<I", webp[pos + 4 : pos + 8])
        chunks.append((kind, webp[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    return chunks


def gif_application(identifier: bytes, data: bytes) -> bytes:
    """A GIF application extension; ``data`` is cut into sub-blocks of at most 255 bytes."""
    blocks = b"".join(
        bytes((len(data[i : i + 255]),)) + data[i : i + 255] for i in range(0, len(data), 255)
    )
    return b"\x21\xff\x0b" + identifier + blocks + b"\x00"


def after_gif_header(gif: bytes, *blocks: bytes) -> bytes:
    """``blocks`` inserted after the screen descriptor and global colour table."""
    packed = gif[10]
    table = 3 * (1 << ((packed & 7) + 1)) if packed & 0x80 else 0
    end = 13 + table
    return gif[:end] + b"".join(blocks) + gif[end:]


def gif_with_xmp(image: Any | None = None) -> bytes:
    """A GIF (``image``, or a gradient) with an XMP packet naming a city."""
    gif = (image if image is not None else gradient(64, 48)).gifsave_buffer(keep="none")
    # XMP's "magic trailer" makes the raw packet read as a valid chain of sub-blocks.
    magic = bytes([1, *range(255, -1, -1)])
    return after_gif_header(gif, gif_application(b"XMP DataXMP", XMP + magic))


@functools.cache
def avif(*, with_exif: bool) -> bytes:
    """A small AVIF, with or without an EXIF item holding GPS."""
    image = (
        with_metadata(gradient(32, 24), exif=b"Exif\0\0" + tiff())
        if with_exif
        else gradient(32, 24)
    )
    keep = "all" if with_exif else "none"
    data: bytes = image.heifsave_buffer(compression="av1", effort=0, Q=50, keep=keep)
    return data
