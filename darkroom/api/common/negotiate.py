"""Choosing an image format from an ``Accept`` header."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from darkroom.media import ImageFormat


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


# Clients send a handful of distinct Accept headers, each many times: the choice is a pure
# function of them, worth remembering (bounded, so odd headers cannot grow it).
@lru_cache(maxsize=1024)
def preferred_format(
    accept: str | None, offered: Sequence[ImageFormat], fallback: ImageFormat
) -> ImageFormat:  # ``offered`` must be hashable (a tuple) for the cache
    """The offered format the client ranks highest (q=0 excludes one).

    Exact types beat ``image/*`` and ``*/*`` at equal quality; ties keep ``fallback`` first, then
    the order of ``offered``. Without a usable Accept (absent, or naming none of ``offered``),
    ``fallback``.
    """
    if not accept:
        return fallback
    exact: dict[str, float] = {}
    wildcard: float | None = None
    for part in accept.split(","):
        media, *params = part.strip().split(";")
        media = media.strip().lower()
        q = _quality(params)
        if media in ("*/*", "image/*"):
            wildcard = q if wildcard is None else max(wildcard, q)
        elif media:
            exact[media] = max(exact.get(media, 0.0), q) if media in exact else q
    ranked: list[tuple[float, int, int, ImageFormat]] = []
    order = [fallback, *[f for f in offered if f is not fallback]]
    for position, fmt in enumerate(order):
        if fmt not in offered:
            continue
        if fmt.mime_type in exact:
            q, specificity = exact[fmt.mime_type], 1
        elif wildcard is not None:
            q, specificity = wildcard, 0
        else:
            continue
        if q > 0:
            ranked.append((q, specificity, -position, fmt))
    if not ranked:
        return fallback
    return max(ranked, key=lambda item: item[:3])[3]
