"""``/v1`` JSON request bodies into core values: every key checked for its type, unknown keys
refused, so a typo is a 400 naming the field rather than a silent no-op."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from darkroom.api.common.json_body import read_json
from darkroom.core.images import ImageChanges
from darkroom.core.unset import UNSET
from darkroom.errors import Invalid

MAX_TEXT = 10_000  # description and alt text
MAX_NAME = 255  # the width of names in the database
MAX_ORDER_IDS = 10_000


async def read_object(request: Request, *, allowed: frozenset[str]) -> dict[str, Any]:
    """The body as a JSON object holding only ``allowed`` keys (blank: ``{}``)."""
    body = await read_json(request, empty={})
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object", field="body")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise Invalid(f"unknown field {unknown[0]!r}", field=unknown[0])
    return body


def text(body: dict[str, Any], name: str, *, limit: int, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise Invalid(f"{name} is required", field=name)
        return None
    if not isinstance(value, str):
        raise Invalid(f"{name} must be a string", field=name)
    if len(value) > limit:
        raise Invalid(f"{name} must be at most {limit} characters", field=name)
    return value


def flag(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise Invalid(f"{name} must be true or false", field=name)
    return value


def identifier(value: Any, name: str) -> int:
    if type(value) is not int or value < 1:
        raise Invalid(f"{name} must be a positive integer id", field=name)
    return value


LOGIN_FIELDS = frozenset({"username", "password"})
ALBUM_FIELDS = frozenset({"name", "dedupe", "private"})
PATCH_FIELDS = frozenset({"name", "description", "alt_text", "starred", "private", "album"})
ORDER_FIELDS = frozenset({"image_ids"})
SHARE_FIELDS = frozenset({"expires_in"})


def login(body: dict[str, Any]) -> tuple[str, str]:
    username = text(body, "username", limit=MAX_NAME, required=True)
    password = text(body, "password", limit=1024, required=True)
    assert username is not None and password is not None
    return username, password


def changes(body: dict[str, Any]) -> ImageChanges:
    """A PATCH body: keys present change; ``description`` and ``alt_text`` may be null."""
    found: dict[str, Any] = {}
    if "name" in body:
        name = text(body, "name", limit=MAX_NAME, required=True)
        found["name"] = name
    for name in ("description", "alt_text"):
        if name in body:
            found[name] = text(body, name, limit=MAX_TEXT)
    for name in ("starred", "private"):
        if name in body:
            value = flag(body, name)
            if value is None:
                raise Invalid(f"{name} must be true or false", field=name)
            found[name] = value
    if "album" in body:
        found["album_id"] = identifier(body["album"], "album")
    return ImageChanges(**{k: found.get(k, UNSET) for k in found})


def order(body: dict[str, Any]) -> list[int]:
    ids = body.get("image_ids")
    if not isinstance(ids, list):
        raise Invalid("image_ids must be a list of image ids", field="image_ids")
    if len(ids) > MAX_ORDER_IDS:
        raise Invalid(f"image_ids holds at most {MAX_ORDER_IDS} ids", field="image_ids")
    return [identifier(value, "image_ids") for value in ids]
