"""Value types of queries: ranges of instants and days, sort keys, pages, and the 64-bit bounds.

These are what the doors' parsers produce and what core queries take. They know nothing of any
wire syntax; the parsers live with the door that speaks it (``darkroom.api.<door>``, or
``darkroom.api.common.params`` when doors share one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from darkroom.errors import Invalid

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "DateRange",
    "Page",
    "SortKey",
    "TimeRange",
    "parse_id",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_MAX_DIGITS = len(str(INT64_MAX))


@dataclass(frozen=True)
class TimeRange:
    """A half-open interval ``[start, end)`` of timezone-aware UTC instants."""

    start: datetime
    end: datetime

    def __contains__(self, instant: object) -> bool:
        return isinstance(instant, datetime) and self.start <= instant < self.end


@dataclass(frozen=True)
class DateRange:
    """An inclusive interval of calendar days, ``start <= day <= end``."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        # datetime is a subclass of date; comparing one with a date raises, so refuse it.
        return (
            isinstance(day, date)
            and not isinstance(day, datetime)
            and (self.start <= day <= self.end)
        )


@dataclass(frozen=True)
class SortKey:
    """One ``ORDER BY`` term: the canonical column name and its direction."""

    field: str
    descending: bool


@dataclass(frozen=True)
class Page:
    """A 1-based page ``number`` of ``limit`` rows, starting after ``offset`` rows."""

    offset: int
    limit: int
    number: int


def parse_id(text: str) -> int | None:
    """A positive 64-bit id written in ASCII digits (``1..INT64_MAX``); anything else is None.

    No sign and no surrounding whitespace; leading zeros are read as decimal (``"007"`` is 7).
    """
    if not (text.isascii() and text.isdigit()):
        return None
    # Bound the length before int(): Python refuses very long digit strings with ValueError.
    if len(text.lstrip("0")) > _MAX_DIGITS:
        return None
    number = int(text)
    return number if 0 < number <= INT64_MAX else None


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
_DURATION_DIGITS = 9


def parse_duration(text: str, *, field: str = "expires") -> int:
    """The seconds in a lifetime such as ``30d``, ``12h``, ``90m``, ``45s``, ``2w``, or a bare
    number of seconds: positive, at most nine digits. Invalid (``field``) otherwise."""
    given = text.strip().lower()
    unit = _DURATION_UNITS.get(given[-1:], 0) if given else 0
    number = given[:-1] if unit else given
    if not (number.isascii() and number.isdigit()) or len(number) > _DURATION_DIGITS:
        raise Invalid(f"bad duration {text!r}; use e.g. 30d, 12h, 90m or 3600", field=field)
    seconds = int(number) * (unit or 1)
    if seconds <= 0:
        raise Invalid(f"bad duration {text!r}; a lifetime must be longer than 0", field=field)
    return seconds
