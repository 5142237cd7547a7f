"""Query-string inputs as the Cyclos client sends them (spec §1).

Every input travels in the query string, uploads included. Empty values count as absent (the
Cyclos web UI sends ``guestKey=`` when logged in); booleans come as ``True``/``False``; ``fields``
and ``ids`` may repeat and hold commas. A value of the wrong type is 422 ``dataConversion``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar
from urllib.parse import parse_qsl

from darkroom.api.common.params import parse_bool, parse_int, parse_int_list
from darkroom.api.cyclos.errors import converting, data_conversion, missing_parameter
from darkroom.api.cyclos.fields import FieldSelector, parse_fields
from darkroom.core.values import INT64_MAX

E = TypeVar("E", bound=StrEnum)


class Query:
    """The decoded query items of one request, in order."""

    def __init__(self, query_string: bytes) -> None:
        text = query_string.decode("latin-1")
        self.items = [
            (key, value)
            for key, value in parse_qsl(
                text, keep_blank_values=True, encoding="utf-8", errors="replace"
            )
            if value.strip()
        ]

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.items if key == name]

    def one(self, name: str) -> str | None:
        """The first non-empty value of ``name``; None when there is none."""
        values = self.all(name)
        return values[0] if values else None

    def positive_int(self, name: str) -> int | None:
        text = self.one(name)
        if text is None:
            return None
        with converting(name, text):
            return parse_int(text, field=name, minimum=1, maximum=INT64_MAX)

    def boolean(self, name: str) -> bool | None:
        text = self.one(name)
        if text is None:
            return None
        with converting(name, text):
            return parse_bool(text, field=name)

    def choice(self, name: str, kind: type[E]) -> E | None:
        """An enum value, by its exact wire spelling."""
        text = self.one(name)
        if text is None:
            return None
        try:
            return kind(text)
        except ValueError:
            raise data_conversion(name, text) from None

    def fields(self) -> FieldSelector:
        return parse_fields(self.all("fields"))

    def ids(self) -> list[int]:
        """The required ``ids`` list (csv, repeats tolerated)."""
        values = self.all("ids")
        if not values:
            raise missing_parameter("ids")
        joined = ",".join(values)
        with converting("ids", joined):
            ids = parse_int_list(values, field="ids")
        if not ids:
            raise missing_parameter("ids")
        return ids
