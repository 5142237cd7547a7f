"""Parse the EXIF field strings libvips attaches to a loaded image.

libvips renders each EXIF entry as ``"<value> (<readable>, <type>, <n> components, <n> bytes)"``,
for example ``"2024:01:02 10:20:30 (2024:01:02 10:20:30, ASCII, 20 components, 20 bytes)"`` or
``"48/1 51/1 2964/100 (48, 51, 29.64, Rational, 3 components, 24 bytes)"``. These helpers take the
raw strings (or ``None`` when the field is absent) and return Python values, or ``None`` for
anything missing, blank or malformed: EXIF written by cameras and phones is routinely broken, and a
bad date must never make an upload fail.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

_DATETIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")
_RATIONAL = re.compile(r"(\d+)/(\d+)")


def value(raw: str | None) -> str | None:
    """The value part of a libvips EXIF string, without the readable description in brackets."""
    if raw is None:
        return None
    text = raw.split(" (", 1)[0].strip(" \x00")
    return text or None


def parse_datetime(raw: str | None, offset: str | None = None) -> datetime | None:
    """An EXIF date-time (``YYYY:MM:DD HH:MM:SS``) as an aware UTC datetime.

    ``offset`` is the matching ``OffsetTime*`` field (``"+02:00"``); without one the local time is
    taken as UTC, since EXIF before 2.31 does not record the zone.
    """
    text = value(raw)
    match = _DATETIME.fullmatch(text) if text else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        parsed = datetime(year, month, day, hour, minute, second, tzinfo=_zone(value(offset)))
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


def parse_coordinate(raw: str | None, ref: str | None, *, bound: float) -> float | None:
    """Signed decimal degrees from EXIF GPS degrees/minutes/seconds rationals and a N/S/E/W ref.

    ``bound`` is 90 for a latitude and 180 for a longitude; values beyond it are dropped.
    """
    text = value(raw)
    if text is None:
        return None
    parts = _RATIONAL.findall(text)
    if not 1 <= len(parts) <= 3 or any(int(den) == 0 for _, den in parts):
        return None
    degrees = sum(
        (Fraction(int(num), int(den)) / 60**i for i, (num, den) in enumerate(parts)),
        Fraction(0),
    )
    if degrees > bound:
        return None
    sign = -1 if (value(ref) or "").upper() in {"S", "W"} else 1
    return sign * float(degrees)
