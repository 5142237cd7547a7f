"""The one place darkroom reads the time, so tests and rows agree on UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, timezone-aware UTC, with microseconds kept."""
    return datetime.now(UTC)
