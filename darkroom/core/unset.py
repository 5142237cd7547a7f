"""A sentinel for "not given", distinct from None ("given, and empty")."""

from __future__ import annotations

from enum import Enum
from typing import Final, Literal


class Unset(Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final[Literal[Unset.UNSET]] = Unset.UNSET
