"""Parsers for the query values every front door accepts.

Each parser takes the raw text a client sent and returns a plain value object, or raises
:class:`~darkroom.core.errors.Invalid` with ``field`` set to the parameter's name and a message
that names it. No other exception escapes, whatever the input. Nothing here knows about HTTP or
the database; doors map ``Invalid`` to their own status code once.

Conventions shared by all parsers:

- Surrounding whitespace is ignored (``" 5 "`` is ``5``). A ``+`` in an unencoded query string
  arrives as a space, so a timestamp offset written ``+02:00`` is also accepted as `` 02:00``.
- Integers are ASCII decimal digits with an optional sign, and must fit in a signed 64-bit
  integer (every id and count darkroom stores is a ``bigint``).
- Ranges use three dots, ``start...end``, as in Procore's filter conventions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from darkroom.core.errors import Invalid

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "DateRange",
    "FieldSelector",
    "Page",
    "SortKey",
    "TimeRange",
    "apply_fields",
    "parse_bool",
    "parse_bracket_params",
    "parse_date_range",
    "parse_fields",
    "parse_int",
    "parse_int_list",
    "parse_page",
    "parse_sort",
    "parse_time_range",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_RANGE_SEPARATOR = "..."
_SHOWN_CHARS = 40  # how much of a bad value an error message repeats

_DATE = r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
_DATE_RE = re.compile(_DATE)
_TIMESTAMP_RE = re.compile(
    _DATE
    + r"[Tt ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    + r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]{1,9}))?)?"
    + r"(?:(?P<utc>[Zz])|(?P<sign>[-+ ])(?P<off_hour>[0-9]{2})(?::?(?P<off_minute>[0-9]{2}))?)?"
)
_INT_RE = re.compile(r"[-+]?[0-9]+")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


def _shown(text: str) -> str:
    """The bad value, quoted and cut short, for an error message."""
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + "…"
    return repr(text)


# --- ranges of dates and instants ---------------------------------------------------------------


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
    raise Invalid(f"{field} must be {expected}, got {_shown(text)}", field=field)


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
        raise Invalid(f"{field} must be {expected}; cannot read {_shown(text)}", field=field)
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
            raise Invalid(f"{field} must be {expected}, got {_shown(text)}", field=field)
        first, last = single, single
    else:
        first, last = (_read_side(side, field, expected) for side in sides)
    try:
        end = last.at + last.span
    except OverflowError:
        raise Invalid(f"{field} ends past the year 9999: {_shown(text)}", field=field) from None
    if first.at >= end:
        raise Invalid(f"{field} starts after it ends: {_shown(text)}", field=field)
    return TimeRange(first.at, end)


def parse_date_range(text: str, *, field: str) -> DateRange:
    """Parse ``YYYY-MM-DD`` (one day) or ``YYYY-MM-DD...YYYY-MM-DD`` (inclusive) into days."""
    expected = "a date (YYYY-MM-DD) or a range of dates YYYY-MM-DD...YYYY-MM-DD"
    sides = _split_range(text, field, expected)
    if sides is None:
        day = _parse_date(text.strip())
        if day is None:
            raise Invalid(f"{field} must be {expected}, got {_shown(text)}", field=field)
        return DateRange(day, day)
    start, end = (_parse_date(side) for side in sides)
    if start is None or end is None:
        bad = sides[0] if start is None else sides[1]
        raise Invalid(f"{field} must be {expected}; cannot read {_shown(bad)}", field=field)
    if start > end:
        raise Invalid(f"{field} starts after it ends: {_shown(text)}", field=field)
    return DateRange(start, end)


# --- scalars ------------------------------------------------------------------------------------


def parse_bool(text: str, *, field: str) -> bool:
    """``true``/``false`` in any letter case (Cyclos sends ``True``/``False``) or ``1``/``0``."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise Invalid(f"{field} must be true or false, got {_shown(text)}", field=field)


def _to_int(text: str) -> int | None:
    """ASCII decimal digits with an optional sign, within 64 bits; anything else is None."""
    value = text.strip()
    if _INT_RE.fullmatch(value) is None:
        return None
    # Bound the length before int(): Python refuses very long digit strings with ValueError.
    if len(value.lstrip("+-").lstrip("0")) > 19:
        return None
    number = int(value)
    return number if INT64_MIN <= number <= INT64_MAX else None


def parse_int(
    text: str, *, field: str, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A decimal integer within ``[minimum, maximum]`` (each bound optional, both inclusive)."""
    number = _to_int(text)
    if number is None:
        raise Invalid(f"{field} must be an integer, got {_shown(text)}", field=field)
    if minimum is not None and number < minimum:
        raise Invalid(f"{field} must be at least {minimum}, got {number}", field=field)
    if maximum is not None and number > maximum:
        raise Invalid(f"{field} must be at most {maximum}, got {number}", field=field)
    return number


def parse_int_list(values: Sequence[str], *, field: str) -> list[int]:
    """Integers from repeated values, each also split on ``,``: ``["1,2", "3"]`` -> ``[1, 2, 3]``.

    Blank items are skipped and repeats dropped, keeping the first occurrence's position.
    """
    seen: dict[int, None] = {}
    for value in values:
        for item in value.split(","):
            if not item.strip():
                continue
            number = _to_int(item)
            if number is None:
                raise Invalid(
                    f"{field} must be a comma-separated list of integers; "
                    f"{_shown(item.strip())} is not one",
                    field=field,
                )
            seen.setdefault(number, None)
    return list(seen)


# --- sorting and paging -------------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    """One ``ORDER BY`` term: the canonical column name and its direction."""

    field: str
    descending: bool


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
                f"{field} has unknown sort field {_shown(name)}; allowed: {choices}", field=field
            )
        if canonical.startswith("-"):
            canonical, descending = canonical[1:], not descending
        keys.append(SortKey(canonical, descending))
    return keys


@dataclass(frozen=True)
class Page:
    """A 1-based page ``number`` of ``limit`` rows, starting after ``offset`` rows."""

    offset: int
    limit: int
    number: int


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
    "3,4"]}``. Values stay as sent; :func:`parse_int_list` splits the commas. Keys keep the order
    in which they first appear.
    """
    grouped: dict[str, list[str]] = {}
    for key, value in items:
        name = key.removesuffix("[]")
        grouped.setdefault(name, []).append(value)
    return grouped


# --- Cyclos field selection ---------------------------------------------------------------------

_EXCLUDE_PREFIXES = ("-", "!")
_ADD_PREFIX = "+"
_WILDCARD = "*"


@dataclass(frozen=True)
class FieldSelector:
    """Which keys of a JSON object to keep, level by level (Cyclos' ``fields`` parameter).

    ``include`` is the whitelist at this level (empty: every key, as is ``*``), ``exclude`` the
    blacklist (it wins over the whitelist), and ``nested`` the selectors for the values of named
    keys, as sorted ``(key, selector)`` pairs so that equal selections compare equal.
    """

    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    nested: tuple[tuple[str, FieldSelector], ...] = ()

    def __bool__(self) -> bool:
        """False for the empty selector, which keeps everything."""
        return bool(self.include or self.exclude or self.nested)

    def child(self, key: str) -> FieldSelector | None:
        """The selector for the value under ``key``, if any was given."""
        for name, selector in self.nested:
            if name == key:
                return selector
        return None

    def keeps(self, key: str) -> bool:
        """Whether ``key`` survives at this level."""
        if key in self.exclude:
            return False
        return not self.include or _WILDCARD in self.include or key in self.include


@dataclass
class _SelectorBuilder:
    include: set[str]
    exclude: set[str]
    nested: dict[str, _SelectorBuilder]

    @classmethod
    def empty(cls) -> _SelectorBuilder:
        return cls(set(), set(), {})

    def add(self, path: list[str]) -> None:
        node = self
        for depth, segment in enumerate(path):
            if segment.startswith(_EXCLUDE_PREFIXES):
                name = segment[1:].strip()
                if name:
                    node.exclude.add(name)
                return  # excluding a field makes any deeper selection moot
            if segment.startswith(_ADD_PREFIX):
                # Cyclos 4.16 "+name": ask for a field without turning on the whitelist.
                name = segment[1:].strip()
                if not name:
                    return
            else:
                name = segment
                node.include.add(name)
            if depth < len(path) - 1:
                node = node.nested.setdefault(name, _SelectorBuilder.empty())

    def freeze(self) -> FieldSelector:
        return FieldSelector(
            include=frozenset(self.include),
            exclude=frozenset(self.exclude),
            nested=tuple((name, child.freeze()) for name, child in sorted(self.nested.items())),
        )


def parse_fields(values: Sequence[str]) -> FieldSelector:
    """Combine ``fields`` values, repeated and/or comma-separated, into one selector.

    Unprefixed names whitelist a key; ``-name`` or ``!name`` blacklist it; dots nest, so
    ``a,b.b1,c.-c1`` keeps ``a``, ``b`` with only ``b1`` inside, and ``c`` without ``c1``. A
    dotted path also whitelists its first key (``c`` above). Selections for the same key merge
    (``b,b.b1`` is ``b.b1``); a key both whitelisted and blacklisted is dropped. ``*`` keeps
    every key of its level, and ``+name`` (Cyclos 4.16) names a key without whitelisting. Blank
    names and empty path segments are ignored, so this never fails.
    """
    root = _SelectorBuilder.empty()
    for value in values:
        for item in value.split(","):
            path = [segment.strip() for segment in item.split(".")]
            path = [segment for segment in path if segment]
            if path:
                root.add(path)
    return root.freeze()


def apply_fields(data: Any, selector: FieldSelector) -> Any:
    """Filter ``data`` by ``selector``: dicts recursively, lists element by element.

    Other values come back unchanged, and so does everything when the selector is empty.
    """
    if not selector:
        return data
    if isinstance(data, Mapping):
        kept: dict[Any, Any] = {}
        for key, value in data.items():
            if not selector.keeps(key):
                continue
            child = selector.child(key)
            kept[key] = value if child is None else apply_fields(value, child)
        return kept
    if isinstance(data, list | tuple):
        return [apply_fields(item, selector) for item in data]
    return data
