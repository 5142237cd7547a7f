"""``/v1/openapi.json``: the OpenAPI document of ``/v1`` alone, made once from its routes.

Routes read their query strings and bodies themselves (``params``, ``bodies``), so what FastAPI
cannot see in their signatures is added here: the list's query parameters, the request bodies,
the error body and the two ways to authenticate. docs/api.md says the same in prose.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi.openapi.utils import get_openapi
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from darkroom import __version__
from darkroom.api.v1 import routes

Json = dict[str, Any]

_ERROR: Json = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["not_found", "csrf", "invalid"]},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
            },
        }
    },
}


def _query(name: str, description: str, schema: Json | None = None) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_BOOL = {"type": "boolean"}
_LIST_PARAMETERS = [
    _query("space", "A space id (kind:external id); without it, every space the caller sees."),
    _query("album", "An album id.", {"type": "integer"}),
    _query("q", "Words matched in name, description, alt text, album name and location."),
    _query("taken_from", "Date taken from (date or ISO 8601 time), inclusive."),
    _query("taken_to", "Date taken to, inclusive (a date is its whole day)."),
    _query("uploaded_from", "Uploaded from, inclusive."),
    _query("uploaded_to", "Uploaded to, inclusive."),
    _query(
        "format",
        "Repeatable: jpeg, png, webp, gif, avif, heic.",
        {"type": "array", "items": {"type": "string"}},
    ),
    _query("starred", "Only starred (true) or unstarred (false) images.", _BOOL),
    _query("private", "Only private (true) or shared (false) images.", _BOOL),
    _query("trashed", "true lists the trash.", _BOOL),
    _query(
        "sort",
        "-uploaded (default), uploaded, -taken, taken, name, position.",
        {"enum": ["-uploaded", "uploaded", "-taken", "taken", "name", "position"]},
    ),
    _query("limit", "1 to 200, default 50.", {"type": "integer", "minimum": 1, "maximum": 200}),
    _query("cursor", "next_cursor of the previous page."),
]
_CONTENT_PARAMETERS = [
    _query("width", "Fit into this width (never enlarged).", {"type": "integer"}),
    _query("height", "Fit into this height (never enlarged).", {"type": "integer"}),
    _query(
        "format",
        "jpeg, png, webp or avif; else Accept-negotiated.",
        {"enum": ["jpeg", "png", "webp", "avif"]},
    ),
    _query("expires", "A signed link's expiry (Unix seconds).", {"type": "integer"}),
    _query("signature", "A signed link's signature."),
]


def _json_body(properties: Json, required: list[str] | None = None) -> Json:
    schema: Json = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_STR = {"type": "string"}
_NULLABLE_STR = {"type": ["string", "null"]}
_BODIES: dict[tuple[str, str], Json] = {
    ("post", "/v1/session"): _json_body(
        {"username": _STR, "password": _STR}, ["username", "password"]
    ),
    ("post", "/v1/spaces/{space}/albums"): _json_body(
        {"name": _STR, "dedupe": _BOOL, "private": _BOOL}, ["name"]
    ),
    ("patch", "/v1/images/{image_id}"): _json_body(
        {
            "name": _STR,
            "description": _NULLABLE_STR,
            "alt_text": _NULLABLE_STR,
            "starred": _BOOL,
            "private": _BOOL,
            "album": {"type": "integer"},
        }
    ),
    ("put", "/v1/albums/{album_id}/order"): _json_body(
        {"image_ids": {"type": "array", "items": {"type": "integer"}}}, ["image_ids"]
    ),
    ("post", "/v1/images/{image_id}/share"): _json_body({"expires_in": _STR}),
    ("post", "/v1/albums/{album_id}/images"): {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "private": _BOOL,
                    },
                    "required": ["file"],
                }
            }
        },
    },
}
_EXTRA_PARAMETERS = {
    ("get", "/v1/images"): _LIST_PARAMETERS,
    ("get", "/v1/images/{image_id}/content"): _CONTENT_PARAMETERS,
    ("delete", "/v1/trash"): [_query("space", "Only this space's trash.")],
}


@lru_cache(maxsize=1)
def document() -> Json:
    """The document (the routes never change while the process runs)."""
    schema = get_openapi(
        title="darkroom /v1",
        version=__version__,
        description="darkroom's own JSON API (docs/api.md).",
        routes=routes.router.routes,
    )
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = _ERROR
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer"},
        "session": {"type": "apiKey", "in": "cookie", "name": "darkroom_session"},
    }
    schema["security"] = [{"bearer": []}, {"session": []}]
    error_response = {
        "description": "An error (docs/api.md, Errors)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            operation.setdefault("parameters", []).extend(_EXTRA_PARAMETERS.get((method, path), []))
            body = _BODIES.get((method, path))
            if body is not None:
                operation["requestBody"] = body
            operation.setdefault("responses", {})["4XX"] = error_response
            if (method, path) == ("post", "/v1/session"):
                operation["security"] = []
    return schema


async def serve(request: Request) -> Response:
    return JSONResponse(document())
