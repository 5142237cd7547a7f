"""JSON request bodies, read and parsed within bounds: the one place every door parses JSON.

``json.loads`` alone lets a body cost too much: nesting a few thousand levels deep raises
``RecursionError`` (a 500), and an integer of any size comes back as a Python int that no
database column can hold (``OverflowError`` later, another 500). Here a body is read up to a byte
cap, parsed (the C parser: cheap per byte, so the byte cap bounds it), its nesting depth checked
level by level before anything walks it, and every integer in it must fit in 64 bits. Doors
map the errors to their own 4xx: ``BadJSON`` is a framing problem (their 400), ``Invalid`` an
out-of-range value (their 422 where they have one), ``TooLarge`` too many bytes.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from darkroom.api.common.deps import get_runtime
from darkroom.core.values import INT64_MAX, INT64_MIN
from darkroom.errors import Invalid, TooLarge

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "MAX_JSON_ITEMS",
    "BadJSON",
    "loads",
    "read_bounded",
    "read_json",
]

DEFAULT_MAX_DEPTH = 32  # JSON inside form fields; bodies use the max_json_depth setting
# Commas, arrays and objects one body may hold, counted before parsing (bytes.count, C speed):
# parsing costs per value, and a Procore create may be tens of MB to carry base64 data, which
# holds none of them. 1000 trade ids need 1000.
MAX_JSON_ITEMS = 50_000

_MAX_DIGITS = len(str(INT64_MAX))


class BadJSON(Invalid):
    """The text is not JSON, or is nested deeper than allowed."""


async def read_bounded(request: Request, *, max_bytes: int) -> bytes:
    """The whole body, or TooLarge as soon as it passes ``max_bytes`` (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"the body must not exceed {max_bytes} bytes", field="body", limit=max_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(
                f"the body must not exceed {max_bytes} bytes", field="body", limit=max_bytes
            )
        chunks.append(chunk)
    return b"".join(chunks)


def loads(raw: str | bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """The JSON value of ``raw``; BadJSON when malformed or deeper than ``max_depth`` arrays and
    objects, Invalid when an integer does not fit in 64 bits."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise BadJSON("the body is not valid JSON (not UTF-8)") from None
    if text.count(",") + text.count("[") + text.count("{") > MAX_JSON_ITEMS:
        raise BadJSON(f"the JSON holds more than {MAX_JSON_ITEMS} values")
    try:
        value = json.loads(text, parse_int=_int64)
    except json.JSONDecodeError:
        raise BadJSON("the body is not valid JSON") from None
    except RecursionError:  # deeper than the interpreter's stack: far past any bound
        raise BadJSON(f"the JSON is nested deeper than {max_depth} levels") from None
    if isinstance(value, list | dict) and _too_deep(value, max_depth):
        raise BadJSON(f"the JSON is nested deeper than {max_depth} levels")
    return value


def _too_deep(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit``; stops at the first such one."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            if isinstance(item, list | dict)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, list | dict)
        ]
        if not level:
            return False
    return True


def _int64(digits: str) -> int:
    if len(digits.lstrip("-").lstrip("0")) > _MAX_DIGITS:
        raise Invalid("JSON integers must fit in 64 bits")
    number = int(digits)
    if not INT64_MIN <= number <= INT64_MAX:
        raise Invalid("JSON integers must fit in 64 bits")
    return number


async def read_json(request: Request, *, max_bytes: int | None = None, empty: Any = None) -> Any:
    """The request's JSON body within the settings' bounds (``max_json_bytes`` unless the
    operation allows more, ``max_json_depth``); ``empty`` when the body is blank."""
    settings = get_runtime(request).settings
    raw = await read_bounded(request, max_bytes=max_bytes or settings.max_json_bytes)
    if not raw.strip():
        return empty
    return loads(raw, max_depth=settings.max_json_depth)
