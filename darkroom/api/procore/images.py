"""``/rest/v1.0/images``: list, create, show, update, delete and restore (spec §2)."""

from __future__ import annotations

import io
from typing import Any, TypeVar

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common.deps import get_runtime
from darkroom.api.common.urls import base_url
from darkroom.api.procore import bodies, context, params, placement, wire
from darkroom.api.procore.bodies import Attributes, CreateBody
from darkroom.api.procore.errors import bad_request
from darkroom.api.procore.responses import ProcoreJSON, paged
from darkroom.core import images, spaces, uploads
from darkroom.core.access import Scope
from darkroom.core.errors import Invalid, NotFound
from darkroom.core.images import ImageChanges, NewImage
from darkroom.core.models import Album, Image
from darkroom.core.query import list_images
from darkroom.core.runtime import Runtime
from darkroom.core.unset import UNSET, Unset

router = APIRouter(tags=["procore: images"])

T = TypeVar("T")

BASE64_SLACK = 2  # base64 text is 4/3 of its bytes; a JSON-text part may carry it


@router.get("/rest/v1.0/images")
def list_(request: Request) -> Response:
    rt = get_runtime(request)
    with rt.transaction() as session:
        scope = context.project(session, request)
        with bad_request():
            wanted = params.image_list(params.of(request))
            page = list_images(session, scope, wanted.query)
        body = wire.images(page.items, _context(session, request, scope, page.items), wanted.view)
    return paged(request, base_url(request, rt), body, wanted.page, page.total)


@router.post("/rest/v1.0/images")
async def create(request: Request) -> Response:
    rt = get_runtime(request)
    # Who and where before reading any bytes: a stranger's upload is refused unread.
    scope = await run_in_threadpool(context.enter_project, rt, request)
    max_part = rt.settings.max_upload_bytes * BASE64_SLACK
    body = await bodies.create_body(request, max_part_bytes=max_part)
    payload = await run_in_threadpool(_create, rt, request, scope, body)
    return ProcoreJSON(payload, status_code=201)


@router.get("/rest/v1.0/images/{image_id}")
def show(request: Request, image_id: str) -> Response:
    rt = get_runtime(request)
    with rt.transaction() as session:
        scope = context.project(session, request)
        found = images.get(session, scope, context.parse_id(image_id, field="id"))
        return ProcoreJSON(_json(session, request, scope, found))


@router.patch("/rest/v1.0/images/{image_id}")
async def update(request: Request, image_id: str) -> Response:
    rt = get_runtime(request)
    scope = await run_in_threadpool(context.enter_project, rt, request)
    raw = await bodies.update_body(request)
    payload = await run_in_threadpool(_update, rt, request, scope, image_id, raw)
    return ProcoreJSON(payload)


@router.delete("/rest/v1.0/images/{image_id}")
def delete(request: Request, image_id: str) -> Response:
    """Soft delete into the recycle bin, or ``permanent=true`` for good (D2: 200, empty)."""
    rt = get_runtime(request)
    with rt.transaction() as session:
        scope = context.project(session, request)
        number = context.parse_id(image_id, field="id")
        with bad_request():
            permanent = params.flag(params.of(request), "permanent")
        if not permanent:
            images.trash(session, scope, images.get(session, scope, number))
    if permanent:
        images.purge(rt, scope, number)
    return Response(status_code=200)


@router.post("/rest/v1.0/images/{image_id}/retrieve")
def retrieve_by_post(request: Request, image_id: str) -> Response:
    """``retrieve`` also answers POST (D3)."""
    return retrieve(request, image_id)


@router.patch("/rest/v1.0/images/{image_id}/retrieve")
def retrieve(request: Request, image_id: str) -> Response:
    """Restore from the recycle bin into its album, or "Unclassified" if that is gone (D3)."""
    rt = get_runtime(request)
    with rt.transaction() as session:
        scope = context.project(session, request)
        trashed = images.get(session, scope, context.parse_id(image_id, field="id"), deleted=True)
        fallback = placement.unclassified(session, scope)
        restored = images.restore(session, scope, trashed, fallback=fallback)
        return ProcoreJSON(_json(session, request, scope, restored))


def _create(rt: Runtime, request: Request, scope: Scope, body: CreateBody) -> dict[str, Any]:
    attrs = bodies.attributes(body.raw)
    if body.upload_uuid is None and body.file is None and isinstance(attrs.data, Unset):
        raise Invalid(
            "the image needs a source: upload_uuid, upload.uuid, image.data or an image[data] file",
            field="upload_uuid",
        )
    with rt.transaction() as session:
        album = placement.album_for(session, scope, attrs.image_category_id)
        location_id = placement.location_for(session, scope, attrs)
    new = _new_image(scope, body, attrs, location_id)
    created = _ingest(rt, scope, album, body, attrs, new)
    with rt.transaction() as session:
        return _json(session, request, scope, images.get(session, scope, created.id))


def _new_image(
    scope: Scope, body: CreateBody, attrs: Attributes, location_id: int | Unset | None
) -> NewImage:
    extras: dict[str, Any] = {}
    if not isinstance(attrs.source, Unset):
        extras["source"] = attrs.source
    if attrs.markup_layer_id is not None:
        extras["provider"] = {"type": "MarkupLayer", "id": attrs.markup_layer_id}
    return NewImage(
        name=body.image_name or "",
        description=_given(attrs.description, None),
        private=_given(attrs.private, spaces.private_by_default(scope.space)),
        starred=_given(attrs.starred, False),
        log_date=_given(attrs.log_date, None),
        location_id=_given(location_id, None),
        trade_ids=_given(attrs.trade_ids, []),
        extras=extras,
    )


def _ingest(
    rt: Runtime, scope: Scope, album: Album, body: CreateBody, attrs: Attributes, new: NewImage
) -> Image:
    if body.upload_uuid is not None:
        try:
            return uploads.create_image(
                rt, scope, album, body.upload_uuid, new, from_ancestors=True
            )
        except NotFound as error:
            if error.entity != "upload":
                raise
            raise Invalid(f"unknown upload {body.upload_uuid}", field="upload_uuid") from None
    if body.file is not None:
        return images.ingest(rt, scope, album, body.file.file, new)
    assert isinstance(attrs.data, str)
    return images.ingest(rt, scope, album, io.BytesIO(bodies.decode_data(attrs.data)), new)


def _update(
    rt: Runtime, request: Request, scope: Scope, image_id: str, raw: dict[str, Any]
) -> dict[str, Any]:
    attrs = bodies.attributes(raw)
    with rt.transaction() as session:
        found = images.get(session, scope, context.parse_id(image_id, field="id"))
        album_id: int | Unset = UNSET
        if not isinstance(attrs.image_category_id, Unset):
            album_id = placement.album_for(session, scope, attrs.image_category_id).id
        changes = ImageChanges(
            description=attrs.description,
            private=attrs.private,
            starred=attrs.starred,
            log_date=attrs.log_date,
            location_id=placement.location_for(session, scope, attrs),
            album_id=album_id,
            trade_ids=attrs.trade_ids,
        )
        changed = images.update(session, scope, found, changes)
        return _json(session, request, scope, changed)


def _given(value: T | Unset, default: T) -> T:
    return default if isinstance(value, Unset) else value


def _context(
    session: Session, request: Request, scope: Scope, items: list[Image]
) -> wire.ImageContext:
    base = base_url(request, get_runtime(request))
    return wire.image_context(session, items, base, context.project_id_of(scope))


def _json(session: Session, request: Request, scope: Scope, item: Image) -> dict[str, Any]:
    session.flush()
    session.refresh(item)  # an update or restore may have moved it: reload album and trades
    return wire.image(item, _context(session, request, scope, [item]))
