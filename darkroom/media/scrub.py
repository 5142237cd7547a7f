"""Remove location metadata from an encoded image without decoding or re-encoding its pixels.

Variants never carry metadata (``render`` encodes with ``keep="none"``), but an original is sent
as it was uploaded, with the GPS position its camera wrote. Before anyone but the owner gets it,
``without_location`` walks the file's container and drops the metadata blocks, copying the coded
picture byte for byte: no generation loss, no colour shift, a fraction of the time a decode and
encode take. What is kept is what decoding and display need: the coded picture, the ICC profile
and other colour information, animation, and the EXIF orientation (as a fresh minimal EXIF block,
so the picture stays the right way up). All other metadata goes, not only location: EXIF
(GPS, serial numbers, ...), XMP, IPTC, comments, text chunks, and data after the image's end.

Supported containers: JPEG, PNG, WebP and GIF. AVIF and HEIC keep metadata as items located by
offsets that would all have to be rewritten, so ``without_location`` returns None for them and the
caller re-encodes; ``carries_location`` still reads them.

The input is untrusted: every length is bounds-checked, nothing is decompressed, each function
runs in time linear in the input, and neither raises. A file whose structure does not add up is
reported as possibly locating and cannot be scrubbed (None): re-encoding with libvips, which
drops everything, is the caller's way out.
"""

from __future__ import annotations

from collections.abc import Callable

from darkroom.media import _bmff, _scrub_gif, _scrub_jpeg, _scrub_png, _scrub_webp
from darkroom.media._container import Malformed, Scan
from darkroom.media.formats import ImageFormat

_WALKERS: dict[ImageFormat, Callable[[bytes], Scan]] = {
    ImageFormat.JPEG: _scrub_jpeg.scan,
    ImageFormat.PNG: _scrub_png.scan,
    ImageFormat.WEBP: _scrub_webp.scan,
    ImageFormat.GIF: _scrub_gif.scan,
}


def carries_location(data: bytes, fmt: ImageFormat) -> bool:
    """Whether ``data`` holds, or may hold, where the picture was taken.

    True for an EXIF GPS block with entries, any XMP packet (``exif:GPS*``, ``photoshop:City``,
    ``Iptc4xmpCore:Location`` all live there), any Photoshop/IPTC block (city, sublocation,
    province, country), a C2PA manifest, data after the image's end that is not padding (a
    motion photo's video, a Multi-Picture file's second image with its own EXIF), and any file
    whose structure cannot be read. For AVIF and HEIC: any EXIF or XMP item. False means serving
    ``data`` as it is reveals no location.
    """
    walker = _WALKERS.get(fmt)
    try:
        return _bmff.locates(data) if walker is None else walker(data).locates
    except Malformed:
        return True


def without_location(data: bytes, fmt: ImageFormat) -> bytes | None:
    """``data`` without its metadata (see the module docstring), the coded pixels untouched.

    Returns ``data`` itself when nothing had to go, so ``result is data`` tells the caller the
    stored file can be sent as it is. Returns None for AVIF and HEIC, and for a file whose
    structure does not add up: the caller then re-encodes. The result is at most a few dozen bytes
    longer than ``data`` (the orientation block may be a little larger than the EXIF it replaces
    when that was a bare one) and ``carries_location`` is False for it.
    """
    walker = _WALKERS.get(fmt)
    if walker is None:
        return None
    try:
        scan = walker(data)
    except Malformed:
        return None
    scrubbed = b"".join(scan.parts)
    return data if scrubbed == data else scrubbed
