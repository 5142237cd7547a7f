"""Request bodies of the image operations, in every form clients send them (spec §2.2, §2.3).

Framing problems (bad JSON, a body that is not an object, a missing ``image``) are 400
``BadRequest``. Attribute values of the wrong type are 422 ``Invalid`` naming the attribute (D5).
Form fields arrive as text (``True``/``False``, ``"3"``), JSON values as JSON types; both are
read by the same coercions.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from darkroom.api.common import json_body
from darkroom.api.common.deps import get_runtime
from darkroom.api.common.forms import read_form
from darkroom.api.common.json_body import BadJSON, read_json
from darkroom.api.common.params import parse_bool, parse_int, parse_int_list
from darkroom.api.procore.errors import BadRequest, bad_request
from darkroom.core.bounds import MAX_NAME_CHARS, MAX_TEXT_CHARS, check_list, check_text
from darkroom.core.unset import UNSET, Unset
from darkroom.core.values import INT64_MAX, INT64_MIN
from darkroom.errors import Invalid

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
MARKUP_LAYER = "MarkupLayer"  # the only provider_type Procore supports
_DATA_URL = re.compile(r"^data:[\w.+/-]*(;[\w=.+-]+)*;base64,", re.IGNORECASE)
_LEGACY_KEY = re.compile(r"^image\[([a-z_]+)\](\[\])?$")


@dataclass(frozen=True)
class Attributes:
    """What an image create or update says about the image; UNSET where it says nothing."""

    private: bool | Unset = UNSET
    starred: bool | Unset = UNSET
    description: str | Unset | None = UNSET
    image_category_id: int | Unset | None = UNSET
    location_id: int | Unset | None = UNSET
    mt_location: list[str] | Unset = UNSET
    trade_ids: list[int] | Unset = UNSET
    log_date: date | Unset | None = UNSET
    source: str | Unset = UNSET
    data: str | Unset = UNSET
    markup_layer_id: int | None = None


@dataclass
class CreateBody:
    """``POST /images``: the source (an upload, a file part or base64 data) and attributes."""

    upload_uuid: str | None = None
    image_name: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    file: UploadFile | None = None


async def create_body(request: Request, *, max_part_bytes: int) -> CreateBody:
    """Any of the five create forms of spec §2.2, read into one shape."""
    if _content_type(request) in FORM_TYPES:
        body = _from_form(await _form(request, max_part_bytes))
    else:
        # A JSON create may carry the file as base64 (image.data): room for that, and the rest.
        settings = get_runtime(request).settings
        room = settings.max_upload_bytes * 4 // 3 + settings.max_json_bytes
        body = _from_json(await json_object(request, max_bytes=room))
    if body.image_name is not None:
        as_name(body.image_name, "image_name")
    return body


async def update_body(request: Request) -> dict[str, Any]:
    """``PATCH /images/{id}``: the ``image`` object of ``{"image": {...}}``."""
    return inner_object(await json_object(request), "image")


def inner_object(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The object a body wraps under ``name`` (``{"location": {...}}``), as Procore sends them."""
    inner = body.get(name)
    if not isinstance(inner, dict):
        article = "an" if name[0] in "aeiou" else "a"
        raise BadRequest(f"the body must hold {article} {name} object", field=name)
    return inner


async def json_object(request: Request, *, max_bytes: int | None = None) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}`` (what the generated client may send).

    Bounded (api/common/json_body.py): too deep or not JSON is 400, an integer past 64 bits 422.
    """
    try:
        body = await read_json(request, max_bytes=max_bytes, empty={})
    except BadJSON as error:
        raise BadRequest(error.message) from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


async def form(request: Request, *, max_part_bytes: int) -> FormData:
    return await _form(request, max_part_bytes)


def is_form(request: Request) -> bool:
    return _content_type(request) in FORM_TYPES


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _form(request: Request, max_part_bytes: int) -> FormData:
    with bad_request():
        return await read_form(request, max_part_bytes=max_part_bytes)


def _from_form(data: FormData) -> CreateBody:
    body = CreateBody(upload_uuid=_text(data.get("upload_uuid")), image_name=None)
    body.image_name = _text(data.get("image_name"))
    image_part = data.get("image")
    if isinstance(image_part, str) and image_part.strip():
        body.raw.update(_json_text(image_part, "image"))
    for key, value in data.multi_items():
        match = _LEGACY_KEY.match(key)
        if match is None:
            continue
        name, is_list = match.group(1), bool(match.group(2))
        if name == "data" and not isinstance(value, str):
            body.file = value
        elif isinstance(value, str):
            if is_list:
                body.raw.setdefault(name, []).append(value)
            else:
                body.raw[name] = value
    if body.image_name is None and body.file is not None:
        body.image_name = body.file.filename
    return body


def _from_json(data: Mapping[str, Any]) -> CreateBody:
    upload = data.get("upload")
    upload = upload if isinstance(upload, dict) else {}
    image = data.get("image", {})
    if isinstance(image, str):  # the multipart convention, sent as JSON
        image = _json_text(image, "image")
    if not isinstance(image, dict):
        raise BadRequest("image must be an object", field="image")
    raw = dict(image)
    if "source" in upload and "source" not in raw:
        raw["source"] = upload["source"]
    return CreateBody(
        upload_uuid=_text(data.get("upload_uuid")) or _text(upload.get("uuid")),
        image_name=_text(data.get("image_name")) or _text(upload.get("image_name")),
        raw=raw,
    )


def _json_text(text: str, name: str) -> dict[str, Any]:
    try:
        value = json_body.loads(text)
    except BadJSON:
        raise BadRequest(f"{name} must be a JSON object", field=name) from None
    if not isinstance(value, dict):
        raise BadRequest(f"{name} must be a JSON object", field=name)
    return value


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def attributes(raw: Mapping[str, Any]) -> Attributes:
    """Typed attributes from a JSON object or form fields; 422 naming the first bad one."""
    provider = raw.get("provider_type")
    markup = None
    if provider == MARKUP_LAYER and raw.get("provider_id") is not None:
        markup = as_int(raw["provider_id"], "provider_id")
    return Attributes(
        private=_opt(raw, "private", as_bool),
        starred=_opt(raw, "starred", as_bool),
        description=_nullable(raw, "description", as_text),
        image_category_id=_nullable(raw, "image_category_id", as_int),
        location_id=_nullable(raw, "location_id", as_int),
        mt_location=_opt(raw, "mt_location", as_names),
        trade_ids=_opt(raw, "trade_ids", as_ints),
        log_date=_nullable(raw, "log_date", as_date),
        source=_opt(raw, "source", as_name),
        data=_opt(raw, "data", as_str),
        markup_layer_id=markup,
    )


def _opt(raw: Mapping[str, Any], key: str, coerce: Any) -> Any:
    if key not in raw or raw[key] is None:
        return UNSET
    return coerce(raw[key], key)


def _nullable(raw: Mapping[str, Any], key: str, coerce: Any) -> Any:
    if key not in raw:
        return UNSET
    value = raw[key]
    if value is None or (isinstance(value, str) and not value.strip() and key != "description"):
        return None
    return coerce(value, key)


def as_bool(value: object, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return parse_bool(value, field=key)
    raise Invalid(f"{key} must be true or false", field=key)


def as_int(value: object, key: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if not INT64_MIN <= value <= INT64_MAX:
            raise Invalid(f"{key} must fit in 64 bits", field=key)
        return value
    if isinstance(value, str):
        return parse_int(value, field=key)
    raise Invalid(f"{key} must be an integer", field=key)


def as_str(value: object, key: str) -> str:
    if isinstance(value, str):
        return value
    raise Invalid(f"{key} must be a string", field=key)


def as_name(value: object, key: str) -> str:
    """A one-line name (image, category, trade, location, code): bounded, no control chars."""
    return check_text(as_str(value, key), field=key, max_chars=MAX_NAME_CHARS)


def as_text(value: object, key: str) -> str:
    """Free text (a description): lines allowed, bounded, no other control characters."""
    return check_text(as_str(value, key), field=key, max_chars=MAX_TEXT_CHARS, multiline=True)


def as_ints(value: object, key: str) -> list[int]:
    if isinstance(value, str):
        return parse_int_list([value], field=key)
    if isinstance(value, list):
        check_list(len(value), field=key)
        return list(dict.fromkeys(as_int(item, key) for item in value))
    raise Invalid(f"{key} must be a list of integers", field=key)


def as_names(value: object, key: str) -> list[str]:
    """``mt_location``: tier names; a form's single text field may carry a JSON array."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json_body.loads(text)
            except BadJSON:
                raise Invalid(f"{key} must be a list of names", field=key) from None
        else:
            return [text]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)  # bounded by core (core/bounds.py check_tiers), before any write
    raise Invalid(f"{key} must be a list of names", field=key)


def as_date(value: object, key: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid(f"{key} must be a date YYYY-MM-DD", field=key)


def decode_data(text: str) -> bytes:
    """``image.data`` (D6): standard or URL-safe base64, optionally a ``data:`` URL; else 422."""
    payload = _DATA_URL.sub("", text.strip(), count=1)
    payload = "".join(payload.split())
    payload += "=" * (-len(payload) % 4)
    alphabet = b"-_" if ("-" in payload or "_" in payload) else b"+/"
    try:
        decoded = base64.b64decode(payload, altchars=alphabet, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("image.data is not valid base64", field="data") from None
    if not decoded:
        raise Invalid("image.data is empty", field="data")
    return decoded
