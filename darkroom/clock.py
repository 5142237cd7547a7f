"""The one place darkroom reads the time, so tests and rows agree on UTC."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, timezone-aware UTC, with microseconds kept."""
    return datetime.now(UTC)


def monotonic() -> float:
    """Seconds on a clock that never goes back, for rates and intervals (not for rows)."""
    return time.monotonic()
