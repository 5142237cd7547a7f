"""File and folder names that every filesystem takes: what an export writes its files under.

An image's name is whatever a client sent ("../../etc/passwd", "CON", "\\x00", "") and must
become a name that Linux, macOS and Windows (NTFS, FAT) all accept as it is, so an export copied
from one to another keeps every file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from darkroom.media import ImageFormat

MAX_NAME_BYTES = 255
"""Longest name, in UTF-8 bytes (ext4, APFS; NTFS counts 255 UTF-16 units, which is more)."""

FALLBACK = "image"

# Not in a name on Windows; "/" and "\\" separate folders; control characters (NUL among them)
# are refused or mangled by some filesystem or terminal.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f]')
# Windows refuses these as names, whatever the extension ("con.jpg" too) and the case.
_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?", re.IGNORECASE)

EXTENSIONS: dict[ImageFormat, tuple[str, ...]] = {
    ImageFormat.JPEG: ("jpg", "jpeg", "jpe", "jfif"),
    ImageFormat.PNG: ("png",),
    ImageFormat.WEBP: ("webp",),
    ImageFormat.GIF: ("gif",),
    ImageFormat.AVIF: ("avif",),
    ImageFormat.HEIC: ("heic", "heif"),
}
"""The extensions a file of each format may keep; the first is the one added when missing."""


def safe_name(name: str, *, fallback: str = FALLBACK, max_bytes: int = MAX_NAME_BYTES) -> str:
    """``name`` as a single path segment every filesystem accepts: unsafe characters become
    ``_``, no leading dot or space, no trailing dot or space (Windows drops them), no reserved
    Windows name, at most ``max_bytes`` bytes; ``fallback`` when nothing is left."""
    text = unicodedata.normalize("NFC", name)  # macOS would store "é" decomposed otherwise
    text = _UNSAFE.sub("_", text).strip(" .")
    text = text.lstrip(".") or fallback
    if _RESERVED.fullmatch(text):
        text = f"_{text}"
    return _truncated(text, max_bytes)


def safe_file_name(name: str, fmt: ImageFormat, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """``safe_name`` with an extension right for ``fmt`` (added when missing or wrong: a PNG
    named "scan.jpg" becomes "scan.jpg.png", so the file opens as what it is)."""
    ext = EXTENSIONS[fmt][0]
    base = safe_name(name, max_bytes=max_bytes)
    stem, dot, given = base.rpartition(".")
    if dot and stem and given.lower() in EXTENSIONS[fmt]:
        return base
    kept = _truncated(base, max_bytes - len(ext) - 1)
    return safe_name(f"{kept}.{ext}", max_bytes=max_bytes)


def unique(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... the first not in ``taken``, compared without
    case (Windows and macOS treat "Trip" and "trip" as one folder)."""
    used = {other.casefold() for other in taken}
    candidate, number = name, 1
    while candidate.casefold() in used:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def _truncated(text: str, max_bytes: int) -> str:
    """``text`` cut to ``max_bytes`` UTF-8 bytes on a character boundary, keeping an extension
    of up to 10 characters."""
    if len(text.encode()) <= max_bytes:
        return text
    stem, dot, ext = text.rpartition(".")
    tail = f".{ext}" if dot and stem and len(ext) <= 10 else ""
    head = stem if tail else text
    room = max_bytes - len(tail.encode())
    cut = head.encode()[:room].decode(errors="ignore").rstrip(" .")
    return f"{cut or FALLBACK}{tail}"
