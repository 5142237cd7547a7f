"""``/v1`` query strings and cursors into core values (``core.catalog``), refusing anything
malformed as ``Invalid`` naming the parameter.

A cursor is the sort and the key of the last image of a page (``catalog.Key``), as URL-safe
base64 of compact JSON: opaque to clients, and checked on the way back in, so a cursor made up
or cut short is a 400, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from starlette.datastructures import QueryParams

from darkroom.api.common.params import parse_bool, parse_int, shown
from darkroom.core.catalog import KEY_TYPES, Filters, Key, Sort, Span
from darkroom.core.duplicates import NEAR_DISTANCE
from darkroom.core.values import INT64_MAX, INT64_MIN
from darkroom.errors import Invalid
from darkroom.media import ImageFormat

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_WORDS = 10  # words of ``q``: each one is a condition of the query
MAX_Q_CHARS = 200
MAX_CURSOR_CHARS = 1024


def filters(query: QueryParams) -> Filters:
    """The filters of ``GET /v1/images``."""
    album = query.get("album")
    return Filters(
        space=_text(query.get("space")),
        album=parse_int(album, field="album", minimum=1) if album else None,
        words=words(query.get("q", "")),
        taken=span(query.get("taken_from"), query.get("taken_to"), field="taken"),
        uploaded=span(query.get("uploaded_from"), query.get("uploaded_to"), field="uploaded"),
        formats=formats(query.getlist("format")),
        starred=_flag(query.get("starred"), "starred"),
        private=_flag(query.get("private"), "private"),
        trashed=bool(_flag(query.get("trashed"), "trashed")),
    )


def sort(query: QueryParams, *, in_album: bool) -> Sort:
    text = query.get("sort")
    if not text:
        return Sort.POSITION if in_album else Sort.NEWEST
    try:
        return Sort(text.strip())
    except ValueError:
        names = ", ".join(s.value for s in Sort)
        raise Invalid(f"sort must be one of {names}, got {shown(text)}", field="sort") from None


def limit(query: QueryParams) -> int:
    text = query.get("limit")
    if not text:
        return DEFAULT_LIMIT
    return parse_int(text, field="limit", minimum=1, maximum=MAX_LIMIT)


def distance(query: QueryParams) -> int:
    """How many of the 64 bits of a perceptual hash a similar image may differ in."""
    text = query.get("distance")
    if not text:
        return NEAR_DISTANCE
    return parse_int(text, field="distance", minimum=0, maximum=64)


def words(text: str) -> tuple[str, ...]:
    """The words of a text query (blank: none)."""
    if len(text) > MAX_Q_CHARS:
        raise Invalid(f"q must be at most {MAX_Q_CHARS} characters", field="q")
    found = tuple(dict.fromkeys(word for word in text.split() if word))
    if len(found) > MAX_WORDS:
        raise Invalid(f"q must hold at most {MAX_WORDS} words", field="q")
    return found


def formats(values: Sequence[str]) -> frozenset[ImageFormat] | None:
    wanted = [item.strip().lower() for value in values for item in value.split(",") if item.strip()]
    if not wanted:
        return None
    try:
        return frozenset(ImageFormat(item) for item in wanted)
    except ValueError:
        names = ", ".join(f.value for f in ImageFormat)
        raise Invalid(f"format must be among {names}", field="format") from None


def span(start: str | None, end: str | None, *, field: str) -> Span:
    """A range from two instants, both inclusive; a date alone is its whole day (UTC)."""
    first = instant(start, field=f"{field}_from", end=False) if start else None
    last = instant(end, field=f"{field}_to", end=True) if end else None
    if first is not None and last is not None and last <= first:
        raise Invalid(f"{field}_to must come after {field}_from", field=f"{field}_to")
    return Span(first, last)


def instant(text: str, *, field: str, end: bool) -> datetime:
    """``2026-08-01`` (from its start, or to its end when ``end``) or an ISO 8601 date-time
    (naive means UTC; ``end`` includes that instant)."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time(), tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise Invalid(
            f"{field} must be a date (2026-08-01) or an ISO 8601 time, got {shown(text)}",
            field=field,
        ) from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment + timedelta(microseconds=1) if end else moment


def _flag(text: str | None, field: str) -> bool | None:
    return parse_bool(text, field=field) if text else None


def _text(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


# --- cursors -------------------------------------------------------------------------------------


def encode_cursor(order: Sort, key: Key) -> str:
    """The opaque cursor of the page after the image whose key is ``key``."""
    values = [_dump(value) for value in key]
    raw = json.dumps([order.value, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, order: Sort) -> Key:
    """The key in ``text``; Invalid("cursor") unless it is one of ours for sort ``order``."""
    if len(text) > MAX_CURSOR_CHARS:
        raise _bad_cursor()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        decoded = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_cursor() from None
    if not isinstance(decoded, list) or not decoded or decoded[0] != order.value:
        raise Invalid("the cursor belongs to another sort or is not a cursor", field="cursor")
    types = KEY_TYPES[order]
    values = decoded[1:]
    if len(values) != len(types):
        raise _bad_cursor()
    return tuple(_load(value, kind) for value, kind in zip(values, types, strict=True))


def _dump(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _load(value: Any, kind: type) -> Any:
    if kind is datetime and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise _bad_cursor() from None
        if moment.tzinfo is None:
            raise _bad_cursor()
        return moment.astimezone(UTC)
    if kind is int and type(value) is int and INT64_MIN <= value <= INT64_MAX:
        return value
    if kind is str and isinstance(value, str):
        return value
    raise _bad_cursor()


def _bad_cursor() -> Invalid:
    return Invalid("the cursor is not one this server gave out", field="cursor")
