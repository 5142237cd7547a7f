"""The Moov Images endpoints (spec §1): parse the request, run one operation, answer Moov JSON."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.responses import JSONResponse, Response

from darkroom.api.common import delivery, rate_limits
from darkroom.api.common.delivery import Wanted
from darkroom.api.common.deps import RuntimeDep
from darkroom.api.common.urls import base_url
from darkroom.api.moov import errors, parse, service, versions, wire
from darkroom.api.moov.auth import AccountScope
from darkroom.core.access import Scope
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.core.unset import Unset
from darkroom.errors import Duplicate, NotFound

IMAGES = "/accounts/{account_id}/images"
IMAGE = "/accounts/{account_id}/images/{image_id}"
METADATA = "/accounts/{account_id}/images/{image_id}/metadata"
PUBLIC = "/images/{public_id}"

router = APIRouter(tags=["moov"])


@router.get(IMAGES, operation_id="listImageMetadata")
async def list_images(request: Request, rt: RuntimeDep, scope: AccountScope) -> Response:
    skip, count = parse.page(request.query_params)
    found = await run_in_threadpool(service.list_page, rt, scope, skip, count)
    return wire.metadata_list_response(found, base_url(request, rt))


@router.post(IMAGES, operation_id="uploadImage")
async def upload(request: Request, rt: RuntimeDep, scope: AccountScope) -> Response:
    async with parse.multipart(request) as form:
        parts = parse.image_parts(form, image_required=True)
        content = parts.image
        assert content is not None  # image_required
        alt_text = None if isinstance(parts.alt_text, Unset) else parts.alt_text
        return await _changed(
            request, rt, scope, lambda: service.upload(rt, scope, content, alt_text), status=201
        )


@router.get(IMAGE, operation_id="getImageMetadata")
async def get_metadata(
    request: Request, rt: RuntimeDep, scope: AccountScope, image_id: str
) -> Response:
    image = await run_in_threadpool(service.get, rt, scope, _image_id(image_id))
    return wire.metadata_response(image, base_url(request, rt))


@router.put(IMAGE, operation_id="updateImage")
async def replace(request: Request, rt: RuntimeDep, scope: AccountScope, image_id: str) -> Response:
    """Current clients: the image part is required; an absent metadata part keeps metadata."""
    return await _update(request, rt, scope, _image_id(image_id), image_required=True)


@router.patch(IMAGE, operation_id="updateImageLegacy")
async def patch(request: Request, rt: RuntimeDep, scope: AccountScope, image_id: str) -> Response:
    """Legacy clients: both parts optional; an empty body changes nothing."""
    return await _update(request, rt, scope, _image_id(image_id), image_required=False)


@router.delete(IMAGE, operation_id="deleteImage", status_code=204)
async def delete(rt: RuntimeDep, scope: AccountScope, image_id: str) -> Response:
    await run_in_threadpool(service.delete, rt, scope, _image_id(image_id))
    return Response(status_code=204)


@router.put(METADATA, operation_id="updateImageMetadata")
async def update_metadata(
    request: Request, rt: RuntimeDep, scope: AccountScope, image_id: str
) -> Response:
    wanted = _image_id(image_id)
    alt_text = await parse.metadata_body(request)
    image = await run_in_threadpool(service.set_alt_text, rt, scope, wanted, alt_text)
    return wire.metadata_response(image, base_url(request, rt))


@router.get(PUBLIC, operation_id="getPublicImage")
async def public_image(request: Request, rt: RuntimeDep, public_id: str) -> Response:
    """No credentials: an Authorization header is ignored. Errors still carry a JSON body."""
    path = {"public_id": public_id}
    wanted = public_wanted(rt, path, request.query_params, request.headers)
    assert wanted is not None  # the door's middleware answered other API versions
    # Nobody signs these requests: renders are charged to the caller's address.
    charged = dataclasses.replace(wanted, client=rate_limits.client_address(request))
    return await delivery.answer(request, rt, charged)


router.add_api_route(PUBLIC, public_image, methods=["HEAD"], include_in_schema=False)


PUBLIC_READS = frozenset({"x-moov-version", "accept"})  # the headers public_wanted reads


def public_wanted(
    rt: Runtime, path: dict[str, str], query: QueryParams, headers: Headers
) -> Wanted | None:
    """The one reading of a public image request, for the route and the fast lane alike."""
    if not versions.accepted(headers.get("x-moov-version")):
        return None  # the door's middleware answers 404
    width, height = parse.size(query.get("size"))
    public_id = parse.path_id(path["public_id"], "image")
    return service.public_image(rt, public_id, width, height, headers.get("accept"))


def _image_id(value: str) -> str:
    return parse.path_id(value, "image")


async def _update(
    request: Request, rt: Runtime, scope: Scope, image_uuid: str, *, image_required: bool
) -> Response:
    async with parse.multipart(request) as form:
        parts = parse.image_parts(form, image_required=image_required)
        return await _changed(
            request,
            rt,
            scope,
            lambda: service.update(rt, scope, image_uuid, parts.image, parts.alt_text),
        )


async def _changed(
    request: Request,
    rt: Runtime,
    scope: Scope,
    change: Callable[[], ImageRecord],
    *,
    status: int = 200,
) -> Response:
    """Run an upload or update; a duplicate answers 409 with the existing image's metadata (M4)."""
    base = base_url(request, rt)
    try:
        image = await run_in_threadpool(change)
    except Duplicate as duplicate:
        existing = await run_in_threadpool(service.get_by_id, rt, scope, duplicate.existing_id)
        return errors.duplicate(wire.image_metadata(existing, base))
    return wire.metadata_response(image, base, status=status)


# --- Everything else under the door's prefixes still answers Moov-style JSON ---------------

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_ALLOWED = {
    IMAGES: {"GET", "POST"},
    IMAGE: {"GET", "PUT", "PATCH", "DELETE"},
    METADATA: {"PUT"},
    PUBLIC: {"GET", "HEAD"},
}


def _refuse_method(allowed: set[str]) -> Callable[[], JSONResponse]:
    def refuse() -> JSONResponse:
        return errors.method_not_allowed(allowed)

    return refuse


def _not_found() -> JSONResponse:
    return errors.render_error(NotFound("resource", "", "not found"))


def _add_fallbacks() -> None:
    """Registered after the real routes, so they only catch what those do not."""
    for path, allowed in _ALLOWED.items():
        router.add_api_route(
            path,
            _refuse_method(allowed),
            methods=sorted(_METHODS - allowed),
            include_in_schema=False,
        )
    for path in ("/accounts", "/accounts/{rest:path}", "/images", "/images/{rest:path}"):
        router.add_api_route(path, _not_found, methods=sorted(_METHODS), include_in_schema=False)


_add_fallbacks()
