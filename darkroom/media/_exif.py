"""Read the facts darkroom keeps about a photo from its raw EXIF block, with ExifRead.

EXIF comes from whoever uploaded the file, so it is read as hostile: the block is cut to
``MAX_EXIF_BYTES``, ExifRead reads it through a file object that stops it after ``MAX_READS``
reads or ``MAX_READ_BYTES`` bytes (every step of its IFD walk is a read, so this bounds its time
and memory, whatever the entry counts and pointers say), and anything that goes wrong, ExifRead's
own errors included, means "no facts". Facts that are present but impossible (a date that does not
exist, a latitude past 90°, a zero f-number) are dropped one by one: cameras and phones routinely
write broken EXIF, and a bad field must never make an upload fail.
"""

from __future__ import annotations

import io
import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any, Literal

import exifread

MAX_EXIF_BYTES = 256 * 1024
"""Longer blocks are cut here (JPEG's APP1 holds at most 64 KiB; PNG and WebP hold any size)."""

MAX_READS = 10_000
"""Reads ExifRead may make of one block; a camera's EXIF without maker notes needs a few hundred."""

MAX_READ_BYTES = 1024 * 1024
"""Bytes ExifRead may read from one block, in all (its strings are read whole)."""

MAX_TEXT = 128
"""Longest camera make, model or lens name kept, in characters."""

_TIFF_MARKS = (b"II*\0", b"MM\0*")
_EXIF_PREFIX = b"Exif\0\0"
_DATETIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ORIENTATION_TAG = 0x0112
_SHORT = 3  # the TIFF field type Orientation is written as

# ExifRead reports what it skips at WARNING (slices past the end, IFD loops): for hostile
# uploads that would be a log line per broken entry. Its errors still get through.
logging.getLogger("exifread").setLevel(logging.ERROR)


@dataclass(frozen=True)
class PhotoFacts:
    """What the EXIF block says about when, where and with what a photo was taken.

    Every field is ``None`` where the block is silent, broken or absent.
    """

    taken_at: datetime | None = None
    """Aware, in UTC; a local time without an offset field is taken as UTC."""
    gps_lat: float | None = None
    gps_long: float | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    lens: str | None = None
    exposure_time: float | None = None
    """Seconds (1/250 s is 0.004)."""
    f_number: float | None = None
    iso: int | None = None
    focal_length: float | None = None
    """Millimetres, as the lens reports it (not the 35 mm equivalent)."""


NO_FACTS = PhotoFacts()


class _OverBudget(Exception):
    """ExifRead read more of a block than any honest block needs."""


class _Budgeted(io.BytesIO):
    """A block that ExifRead may read ``MAX_READS`` times and ``MAX_READ_BYTES`` bytes in all."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self._reads_left = MAX_READS
        self._bytes_left = MAX_READ_BYTES

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self._reads_left -= 1
        self._bytes_left -= len(chunk)
        if self._reads_left < 0 or self._bytes_left < 0:
            raise _OverBudget
        return chunk


def read_exif(block: bytes | None) -> PhotoFacts:
    """The facts of a raw EXIF block (a TIFF structure, with or without JPEG's ``Exif\\0\\0``
    prefix, as libvips' ``exif-data`` holds it); ``NO_FACTS`` for anything unreadable."""
    if not block:
        return NO_FACTS
    if block.startswith(_EXIF_PREFIX):
        block = block[len(_EXIF_PREFIX) :]
    if block[:4] not in _TIFF_MARKS:
        return NO_FACTS
    try:
        tags = exifread.process_file(
            _Budgeted(block[:MAX_EXIF_BYTES]), details=False, extract_thumbnail=False
        )
        return _facts(tags)
    except Exception:  # hostile input: any failure of the parser means no facts
        return NO_FACTS


def _facts(tags: dict[str, Any]) -> PhotoFacts:
    def values(name: str) -> Any:
        tag = tags.get(name)
        return getattr(tag, "values", None)

    return PhotoFacts(
        taken_at=(
            parse_datetime(
                _text(values("EXIF DateTimeOriginal")), _text(values("EXIF OffsetTimeOriginal"))
            )
            or parse_datetime(_text(values("Image DateTime")), _text(values("EXIF OffsetTime")))
        ),
        gps_lat=coordinate(
            values("GPS GPSLatitude"), _text(values("GPS GPSLatitudeRef")), bound=90
        ),
        gps_long=coordinate(
            values("GPS GPSLongitude"), _text(values("GPS GPSLongitudeRef")), bound=180
        ),
        camera_make=_name(values("Image Make")),
        camera_model=_name(values("Image Model")),
        lens=_name(values("EXIF LensModel")),
        exposure_time=_positive(values("EXIF ExposureTime"), below=86_400),
        f_number=_positive(values("EXIF FNumber"), below=1_000),
        iso=_iso(values("EXIF ISOSpeedRatings")),
        focal_length=_positive(values("EXIF FocalLength"), below=100_000),
    )


def _text(raw: Any) -> str | None:
    """An ASCII field as text (ExifRead hands back bytes when they are not UTF-8)."""
    if isinstance(raw, bytes):
        raw = raw.decode("latin-1")
    if not isinstance(raw, str):
        return None
    text = raw.split("\x00", 1)[0].strip()
    return text or None


def _name(raw: Any) -> str | None:
    """A make, model or lens name: one line of at most ``MAX_TEXT`` characters."""
    text = _text(raw)
    if text is None:
        return None
    text = " ".join(_CONTROL.sub(" ", text).split())[:MAX_TEXT]
    return text or None


def _number(raw: Any) -> Fraction | None:
    """An EXIF number (an integer or a rational) as an exact fraction; None for n/0."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Fraction(raw)
    if isinstance(raw, Fraction):
        # ExifRead keeps n/0 as a Fraction whose denominator is 0 rather than raising.
        numerator, denominator = raw.numerator, raw.denominator
        return Fraction(numerator, denominator) if denominator else None
    return None


def _first(raw: Any) -> Fraction | None:
    return _number(raw[0]) if isinstance(raw, list) and raw else None


def _positive(raw: Any, *, below: float) -> float | None:
    number = _first(raw)
    if number is None or not 0 < number < below:
        return None
    value = float(number)
    return value if math.isfinite(value) else None


def _iso(raw: Any) -> int | None:
    number = _first(raw)
    if number is None or number.denominator != 1 or not 0 < number <= 10_000_000:
        return None
    return int(number)


def parse_datetime(text: str | None, offset: str | None = None) -> datetime | None:
    """An EXIF date-time (``YYYY:MM:DD HH:MM:SS``) as an aware UTC datetime.

    ``offset`` is the matching ``OffsetTime*`` field (``"+02:00"``); without one the local time is
    taken as UTC, since EXIF before 2.31 does not record the zone.
    """
    match = _DATETIME.fullmatch(text) if text else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        parsed = datetime(year, month, day, hour, minute, second, tzinfo=_zone(offset))
    except ValueError:  # 0000:00:00 00:00:00 and other impossible dates
        return None
    return parsed.astimezone(UTC)


def _zone(offset: str | None) -> timezone:
    match = _OFFSET.fullmatch(offset) if offset else None
    if match is None:
        return UTC
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta >= timedelta(hours=24):
        return UTC
    return timezone(-delta if sign == "-" else delta)


def coordinate(raw: Any, ref: str | None, *, bound: float) -> float | None:
    """Signed decimal degrees from EXIF GPS degrees, minutes and seconds and a N/S/E/W ref.

    ``raw`` is ExifRead's list of 1 to 3 numbers; ``bound`` is 90 for a latitude and 180 for a
    longitude, and values beyond it are dropped.
    """
    if not isinstance(raw, list) or not 1 <= len(raw) <= 3:
        return None
    parts = [_number(part) for part in raw]
    if any(part is None or part < 0 for part in parts):
        return None
    degrees = sum((part / 60**i for i, part in enumerate(parts) if part is not None), Fraction(0))
    if degrees > bound:
        return None
    sign = -1 if (ref or "").upper() in {"S", "W"} else 1
    return sign * float(degrees)


def read_orientation(block: bytes | None) -> int:
    """The Orientation tag (1-8) of IFD0 in a raw EXIF block; 1 when absent, broken or out of
    range. Read by hand, not with ExifRead: it is one entry of the first directory, and reading
    it costs a few bounded slices whatever the block holds."""
    if not block:
        return 1
    if block.startswith(_EXIF_PREFIX):
        block = block[len(_EXIF_PREFIX) :]
    if block[:4] not in _TIFF_MARKS:
        return 1
    order: Literal["little", "big"] = "little" if block[:2] == b"II" else "big"
    ifd = int.from_bytes(block[4:8], order)
    count = int.from_bytes(block[ifd : ifd + 2], order)
    for entry in range(ifd + 2, min(ifd + 2 + 12 * count, len(block) - 11), 12):
        tag, kind = int.from_bytes(block[entry : entry + 2], order), block[entry + 2 : entry + 4]
        if tag == _ORIENTATION_TAG and kind == _SHORT.to_bytes(2, order):
            value = int.from_bytes(block[entry + 8 : entry + 10], order)
            return value if 1 <= value <= 8 else 1
    return 1
