"""What became of each file of an import, and the summary they add up to."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from darkroom.core.importing.sources import Entry
from darkroom.errors import DarkroomError, Invalid, LimitExceeded, TooLarge, Unsupported


class Result(StrEnum):
    IMPORTED = "imported"
    PRESENT = "already present"
    WOULD_IMPORT = "would import"
    REFUSED = "refused"


@dataclass(frozen=True)
class Outcome:
    """What became of one file; ``reason`` (refused) is a short category, ``message`` the detail."""

    path: str
    size: int
    result: Result
    reason: str | None = None
    message: str | None = None
    image_id: int | None = None


@dataclass
class Summary:
    counts: Counter[Result] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    bytes_in: int = 0
    seconds: float = 0.0

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.result] += 1
        if outcome.reason is not None:
            self.refused[outcome.reason] += 1
        if outcome.result in (Result.IMPORTED, Result.WOULD_IMPORT):
            self.bytes_in += outcome.size


def reason_of(error: DarkroomError) -> str:
    """The short category a refusal is counted under in the summary."""
    if isinstance(error, LimitExceeded):
        return "album full"
    if isinstance(error, TooLarge):
        return "too large"
    if isinstance(error, Unsupported):
        return "not a supported image"
    if isinstance(error, Invalid):
        return "bad sidecar" if error.field == "sidecar" else "corrupt or truncated"
    return type(error).__name__.lower()


def refusal(entry: Entry, reason: str, message: str) -> Outcome:
    return Outcome(entry.path, entry.size, Result.REFUSED, reason=reason, message=message)
