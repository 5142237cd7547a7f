"""Parsers for the query values more than one door accepts: booleans, integers, integer lists.

Each parser takes the raw text a client sent and returns a plain value, or raises
:class:`~darkroom.errors.Invalid` with ``field`` set to the parameter's name and a message
that names it. No other exception escapes, whatever the input. Nothing here knows about HTTP or
the database; doors map ``Invalid`` to their own status code once.

Conventions shared by all parsers (and by each door's own parsers, which build on these):

- Surrounding whitespace is ignored (``" 5 "`` is ``5``).
- Integers are ASCII decimal digits with an optional sign, and must fit in a signed 64-bit
  integer (every id and count darkroom stores is a ``bigint``).
- An error message repeats at most the first few dozen characters of a bad value (:func:`shown`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from darkroom.core.bounds import MAX_LIST_ITEMS, check_list
from darkroom.core.values import INT64_MAX, INT64_MIN
from darkroom.errors import Invalid

__all__ = ["parse_bool", "parse_int", "parse_int_list", "shown"]

_SHOWN_CHARS = 40  # how much of a bad value an error message repeats

_INT_RE = re.compile(r"[-+]?[0-9]+")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


def shown(text: str) -> str:
    """The bad value, quoted and cut short, for an error message."""
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + "…"
    return repr(text)


def parse_bool(text: str, *, field: str) -> bool:
    """``true``/``false`` in any letter case (Cyclos sends ``True``/``False``) or ``1``/``0``."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise Invalid(f"{field} must be true or false, got {shown(text)}", field=field)


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
        raise Invalid(f"{field} must be an integer, got {shown(text)}", field=field)
    if minimum is not None and number < minimum:
        raise Invalid(f"{field} must be at least {minimum}, got {number}", field=field)
    if maximum is not None and number > maximum:
        raise Invalid(f"{field} must be at most {maximum}, got {number}", field=field)
    return number


def parse_int_list(
    values: Sequence[str], *, field: str, max_items: int = MAX_LIST_ITEMS
) -> list[int]:
    """Integers from repeated values, each also split on ``,``: ``["1,2", "3"]`` -> ``[1, 2, 3]``.

    Blank items are skipped and repeats dropped, keeping the first occurrence's position. More
    than ``max_items`` items (repeats counted: each costs parsing) is Invalid, before any is
    parsed.
    """
    seen: dict[int, None] = {}
    items = [item for value in values for item in value.split(",") if item.strip()]
    check_list(len(items), field=field, limit=max_items)
    for item in items:
        number = _to_int(item)
        if number is None:
            raise Invalid(
                f"{field} must be a comma-separated list of integers; "
                f"{shown(item.strip())} is not one",
                field=field,
            )
        seen.setdefault(number, None)
    return list(seen)
