"""``X-Moov-Version``: which values the Moov door accepts.

Moov versions are ``vYYYY.MM.BB`` (year, month, build); releases fall on the first month of a
quarter (01, 04, 07, 10), and any other well-formed value resolves to the release before it
(``v2026.08.00`` means ``v2026.07.00``). The pre-release names ``latest`` and ``dev`` are accepted
too. darkroom answers every accepted version the same way (spec M10), so the door only tells
well-formed values from malformed ones, which Moov answers with 404.
"""

from __future__ import annotations

import re

_RELEASE = re.compile(r"v\d{4}\.(?:0[1-9]|1[0-2])\.\d{2}")
PRERELEASES = frozenset({"latest", "dev"})


def accepted(value: str | None) -> bool:
    """Whether ``value`` names a Moov API version; absent (or blank) means the default one."""
    if value is None or not value.strip():
        return True
    text = value.strip().lower()
    return text in PRERELEASES or _RELEASE.fullmatch(text) is not None
