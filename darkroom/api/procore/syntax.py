"""Procore's wire syntax for query values: ``a...b`` ranges, sort lists, pages, Rails bracket keys.

Each parser takes the raw text a client sent and returns a plain value object from
:mod:`darkroom.core.values`, or raises :class:`~darkroom.errors.Invalid` with ``field`` set to
the parameter's name and a message that names it. No other exception escapes, whatever the
input. Nothing here knows about HTTP or the database; :mod:`darkroom.api.procore.params` reads
the request's parameters through these and maps ``Invalid`` to a 400 once.

Conventions (shared with :mod:`darkroom.api.common.params`, whose integer parser is used here):

- Surrounding whitespace is ignored (``" 5 "`` is ``5``). A ``+`` in an unencoded query string
  arrives as a space, so a timestamp offset written ``+02:00`` is also accepted as `` 02:00``.
- Integers are ASCII decimal digits with an optional sign, and must fit in a signed 64-bit
  integer (every id and count darkroom stores is a ``bigint``).
- Ranges use three dots, ``start...end``, as in Procore's filter conventions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from darkroom.api.common.params import parse_int, shown
from darkroom.core.values import INT64_MAX, DateRange, Page, SortKey, TimeRange
from darkroom.errors import Invalid

__all__ = [
    "parse_bracket_params",
    "parse_date_range",
    "parse_page",
    "parse_sort",
    "parse_time_range",
]

_RANGE_SEPARATOR = "..."

_DATE = r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
_DATE_RE = re.compile(_DATE)
_TIMESTAMP_RE = re.compile(
    _DATE
    + r"[Tt ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    + r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]{1,9}))?)?"
    + r"(?:(?P<utc>[Zz])|(?P<sign>[-+ ])(?P<off_hour>[0-9]{2})(?::?(?P<off_minute>[0-9]{2}))?)?"
)


# --- ranges of dates and instants ---------------------------------------------------------------


@dataclass(frozen=True)
class _Instant:
    """One side of a time range: where it starts and how much time its last written digit covers."""

    at: datetime
    span: timedelta


def _split_range(text: str, field: str, expected: str) -> tuple[str, str] | None:
    """``"a...b"`` -> ``("a", "b")``; a single value -> ``None``; more separators -> Invalid."""
    parts = text.split(_RANGE_SEPARATOR)
    if len(parts) == 1:
        return None
    if len(parts) == 2:
        return parts[0].strip(), parts[1].strip()
    raise Invalid(f"{field} must be {expected}, got {shown(text)}", field=field)


def _parse_date(text: str) -> date | None:
    match = _DATE_RE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None


def _parse_timestamp(text: str) -> _Instant | None:
    """An ISO-8601 timestamp, normalised to UTC; a missing offset means UTC."""
    match = _TIMESTAMP_RE.fullmatch(text)
    if match is None:
        return None
    if match["second"] is None:
        second, micro, span = 0, 0, timedelta(minutes=1)
    elif match["fraction"] is None:
        second, micro, span = int(match["second"]), 0, timedelta(seconds=1)
    else:
        digits = match["fraction"][:6]  # finer than a microsecond is truncated
        second, micro = int(match["second"]), int(digits.ljust(6, "0"))
        span = timedelta(microseconds=10 ** (6 - len(digits)))
    if match["sign"] is None:
        zone = UTC
    else:
        off_hour, off_minute = int(match["off_hour"]), int(match["off_minute"] or 0)
        if off_hour > 23 or off_minute > 59:
            return None
        offset = timedelta(hours=off_hour, minutes=off_minute)
        zone = timezone(-offset if match["sign"] == "-" else offset)
    try:
        local = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            second,
            micro,
            tzinfo=zone,
        )
        return _Instant(local.astimezone(UTC), span)
    except (ValueError, OverflowError):
        return None


def _parse_instant(text: str) -> _Instant | None:
    """A date (the whole UTC day) or a timestamp (the unit of its last written digit)."""
    day = _parse_date(text)
    if day is not None:
        return _Instant(datetime.combine(day, time(), tzinfo=UTC), timedelta(days=1))
    return _parse_timestamp(text)


def _read_side(text: str, field: str, expected: str) -> _Instant:
    instant = _parse_instant(text)
    if instant is None:
        raise Invalid(f"{field} must be {expected}; cannot read {shown(text)}", field=field)
    return instant


def parse_time_range(text: str, *, field: str) -> TimeRange:
    """Parse a date, a timestamp or a ``start...end`` range of either into ``[start, end)``.

    - ``2024-01-02`` is that whole UTC day.
    - ``2024-01-01...2024-01-05`` runs to the end of the last day.
    - Timestamps are ISO-8601 (``2024-01-02T10:20:30Z``, ``...+02:00``, ``...-0530``; ``T`` or a
      space between date and time; seconds and a fraction of up to 9 digits optional; no offset
      means UTC) and are normalised to UTC. The two sides may mix dates and timestamps.
    - An end is inclusive at the precision it is written in: ``...2024-01-31T23:59:59Z`` ends at
      ``2024-02-01T00:00:00Z`` (exclusive), so the whole last second is in; ``...T10:20Z`` takes
      the whole minute; ``...T10:20:30.25Z`` ends 10 ms later. A single timestamp is the same
      unit on its own: ``2024-01-02T10:20:30Z`` is ``[10:20:30, 10:20:31)``, which matches
      exactly the stored instants that print as that timestamp.
    - A start after the end is Invalid. Because the end is inclusive at its precision, a start
      inside the end's unit is not after it: ``2024-01-02T12:00Z...2024-01-02`` is the afternoon.
    """
    expected = "a date (YYYY-MM-DD), an ISO-8601 timestamp, or a range start...end of those"
    sides = _split_range(text, field, expected)
    if sides is None:
        single = _parse_instant(text.strip())
        if single is None:
            raise Invalid(f"{field} must be {expected}, got {shown(text)}", field=field)
        first, last = single, single
    else:
        first, last = (_read_side(side, field, expected) for side in sides)
    try:
        end = last.at + last.span
    except OverflowError:
        raise Invalid(f"{field} ends past the year 9999: {shown(text)}", field=field) from None
    if first.at >= end:
        raise Invalid(f"{field} starts after it ends: {shown(text)}", field=field)
    return TimeRange(first.at, end)


def parse_date_range(text: str, *, field: str) -> DateRange:
    """Parse ``YYYY-MM-DD`` (one day) or ``YYYY-MM-DD...YYYY-MM-DD`` (inclusive) into days."""
    expected = "a date (YYYY-MM-DD) or a range of dates YYYY-MM-DD...YYYY-MM-DD"
    sides = _split_range(text, field, expected)
    if sides is None:
        day = _parse_date(text.strip())
        if day is None:
            raise Invalid(f"{field} must be {expected}, got {shown(text)}", field=field)
        return DateRange(day, day)
    start, end = (_parse_date(side) for side in sides)
    if start is None or end is None:
        bad = sides[0] if start is None else sides[1]
        raise Invalid(f"{field} must be {expected}; cannot read {shown(bad)}", field=field)
    if start > end:
        raise Invalid(f"{field} starts after it ends: {shown(text)}", field=field)
    return DateRange(start, end)


# --- sorting and paging -------------------------------------------------------------------------


def parse_sort(text: str, *, allowed: Mapping[str, str], field: str = "sort") -> list[SortKey]:
    """``"taken_at,-id"`` -> keys in order; ``-`` before a name reverses it.

    ``allowed`` maps each wire name to its canonical column. A canonical value may itself start
    with ``-`` when the wire name means descending order (Procore's ``most_recent`` is
    ``-created_at``); a ``-`` before such a name then gives ascending order. Empty parts are
    skipped, so ``""`` gives ``[]`` and the caller applies its default.
    """
    keys: list[SortKey] = []
    for part in text.split(","):
        name = part.strip()
        if not name:
            continue
        descending = name.startswith("-")
        if descending:
            name = name[1:].strip()
        canonical = allowed.get(name)
        if canonical is None:
            choices = ", ".join(sorted(allowed))
            raise Invalid(
                f"{field} has unknown sort field {shown(name)}; allowed: {choices}", field=field
            )
        if canonical.startswith("-"):
            canonical, descending = canonical[1:], not descending
        keys.append(SortKey(canonical, descending))
    return keys


def parse_page(page: str | None, per_page: str | None, *, default_size: int, max_size: int) -> Page:
    """Read ``page`` (1-based, default 1) and ``per_page`` (default ``default_size``).

    ``per_page`` is clamped to ``[1, max_size]`` rather than refused (Procore decision D4); a
    non-integer is Invalid. ``page`` below 1 or not an integer is Invalid, and so is a page so
    far out that its offset would not fit in 64 bits. Absent and blank values take the default.
    """
    if per_page is None or not per_page.strip():
        size = default_size
    else:
        size = parse_int(per_page, field="per_page")
    limit = max(1, min(size, max_size))
    if page is None or not page.strip():
        number = 1
    else:
        number = parse_int(page, field="page", minimum=1, maximum=INT64_MAX // limit + 1)
    return Page(offset=(number - 1) * limit, limit=limit, number=number)


# --- query keys ---------------------------------------------------------------------------------


def parse_bracket_params(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Group decoded query items by key, folding the Rails array form into the plain key.

    ``filters[ids][]=1&filters[ids][]=2&filters[ids]=3,4`` gives ``{"filters[ids]": ["1", "2",
    "3,4"]}``. Values stay as sent; :func:`~darkroom.api.common.params.parse_int_list` splits
    the commas. Keys keep the order in which they first appear.
    """
    grouped: dict[str, list[str]] = {}
    for key, value in items:
        name = key.removesuffix("[]")
        grouped.setdefault(name, []).append(value)
    return grouped
