"""Bounds on what one request may ask for, checked before any work starts.

See docs/security.md, "Limits".

A single request must not be able to cost without limit: a location path of thousands of tiers,
a filter naming millions of ids, a text field holding a megabyte or a NUL byte (which PostgreSQL
text cannot store). The checks here are plain functions over plain values; every door calls them
and maps the ``Invalid`` they raise to its own 4xx. The bounds an operator may want to move are
settings (``DARKROOM_MAX_LOCATION_*``); the rest are constants named here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from darkroom.config import Settings
from darkroom.errors import Invalid

__all__ = [
    "MAX_LIST_ITEMS",
    "MAX_NAME_CHARS",
    "MAX_TEXT_CHARS",
    "PathBounds",
    "check_list",
    "check_text",
    "check_tiers",
    "path_bounds",
]

MAX_LIST_ITEMS = 1000  # ids, ranges or trades one filter or body list may name
MAX_NAME_CHARS = 255  # names: image, category, trade, location tier, code
MAX_TEXT_CHARS = 10_000  # longer free text: descriptions

# C0 controls other than tab, line feed and carriage return, DEL, and lone surrogates (a JSON
# "\ud800" decodes to one; neither PostgreSQL nor UTF-8 can store it).
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\t\n\r]")


def check_text(
    value: str, *, field: str, max_chars: int, multiline: bool = False, name: str | None = None
) -> str:
    """``value`` unchanged, or Invalid with ``field`` when it is too long or holds control
    characters (line breaks and tabs only where ``multiline``). Messages call it ``name``
    (default: ``field``)."""
    name = name or field
    if len(value) > max_chars:
        raise Invalid(f"{name} must be at most {max_chars} characters", field=field)
    if _FORBIDDEN.search(value) or (not multiline and _LINE_BREAKS.search(value)):
        raise Invalid(f"{name} must not contain control characters", field=field)
    return value


def check_list(count: int, *, field: str, limit: int = MAX_LIST_ITEMS) -> None:
    """Invalid when a list names more than ``limit`` items."""
    if count > limit:
        raise Invalid(f"{field} may name at most {limit} items, got {count}", field=field)


@dataclass(frozen=True)
class PathBounds:
    """How deep a location path may go and how long its names may be."""

    tiers: int = 32
    tier_chars: int = MAX_NAME_CHARS
    path_chars: int = 2048  # the whole path, tiers joined by " > "


def path_bounds(settings: Settings) -> PathBounds:
    return PathBounds(
        tiers=settings.max_location_tiers,
        tier_chars=settings.max_location_name_chars,
        path_chars=settings.max_location_path_chars,
    )


def check_tiers(
    tiers: Sequence[str], bounds: PathBounds, *, field: str = "path", separator: str = " > "
) -> None:
    """Invalid when a location path has too many tiers, a tier name is too long or holds
    control characters, or the whole path is too long. Cheap: runs before any transaction."""
    if len(tiers) > bounds.tiers:
        raise Invalid(f"{field} may have at most {bounds.tiers} tiers", field=field)
    total = 0
    for tier in tiers:
        check_text(tier, field=field, max_chars=bounds.tier_chars)
        total += len(tier.strip()) + len(separator)
    if total - len(separator) > bounds.path_chars:
        raise Invalid(f"{field} must be at most {bounds.path_chars} characters", field=field)
