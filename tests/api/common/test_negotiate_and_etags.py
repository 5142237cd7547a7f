"""Accept negotiation and If-None-Match matching, shared by every door that serves images."""

from __future__ import annotations

import pytest

from darkroom.api.common.delivery import etag_matches
from darkroom.api.common.negotiate import preferred_format
from darkroom.media import ImageFormat

JPEG, PNG, WEBP = ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP
ALL = (JPEG, PNG, WEBP)


@pytest.mark.parametrize(
    ("accept", "fallback", "chosen"),
    [
        (None, PNG, PNG),
        ("", WEBP, WEBP),
        ("image/jpeg;q=1, image/png;q=0.7, image/webp;q=0", WEBP, JPEG),
        ("image/png", JPEG, PNG),
        ("image/webp;q=0", WEBP, WEBP),  # nothing acceptable: serve the stored format
        ("image/*", WEBP, WEBP),
        ("*/*;q=0.5, image/png;q=0.4", JPEG, JPEG),
        ("application/json", PNG, PNG),
        ("image/avif, image/webp;q=0.9, image/jpeg;q=0.8", JPEG, WEBP),
        ("IMAGE/PNG;Q=0.9", JPEG, PNG),
        ("image/png;q=abc, image/jpeg;q=0.1", WEBP, JPEG),
    ],
)
def test_preferred_format(accept: str | None, fallback: ImageFormat, chosen: ImageFormat) -> None:
    assert preferred_format(accept, ALL, fallback) is chosen


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ('"abc"', True),
        ('W/"abc"', True),
        ("abc", True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
    ],
)
def test_etag_matches(header: str | None, matches: bool) -> None:
    assert etag_matches(header, '"abc"') is matches
