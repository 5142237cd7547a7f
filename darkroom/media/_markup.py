"""Find markup hidden inside image files (JPEG+HTML polyglots and the like).

A file can be a valid JPEG and, to a browser that sniffs content, also an HTML page or an SVG with
script. darkroom always serves originals with their real content type, but refuses such files at
ingest anyway: the scan covers the whole file, so markup appended after the image or tucked into a
comment or metadata segment is found too. The signatures are long enough that compressed pixel
data practically never contains one (``<svg`` must be followed by a space, ``/`` or ``>``).
XMP packets (``<?xpacket``, ``<x:xmpmeta``) are legitimate and not matched.
"""

from __future__ import annotations

import re
from pathlib import Path

_SIGNATURE = re.compile(
    rb"<(?:script|html|!doctype|svg[\s/>]|\?php|iframe|object|embed)",
    re.IGNORECASE,
)
_LONGEST = len(b"<!doctype")
_CHUNK = 1 << 20


def contains_markup(path: Path) -> bool:
    """Whether the file holds an HTML, SVG or PHP signature anywhere, in any letter case."""
    with path.open("rb") as file:
        tail = b""
        while chunk := file.read(_CHUNK):
            window = tail + chunk
            if _SIGNATURE.search(window):
                return True
            tail = window[-_LONGEST:]
    return False
