"""``/rest/v1.0/images``: list, create, show, update, delete and restore (spec §2)."""

from __future__ import annotations

import io
from typing import Any, TypeVar

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common.deps import RuntimeDep
from darkroom.api.procore import bodies, params, placement, wire
from darkroom.api.procore.bodies import Attributes, CreateBody
from darkroom.api.procore.context import ImageId, ProjectScope, Shape
from darkroom.api.procore.errors import bad_request
from darkroom.api.procore.responses import ProcoreJSON, paged
from darkroom.api.vocabulary import PROCORE_UNCLASSIFIED
from darkroom.core import images, query, spaces, uploads
from darkroom.core.access import Scope
from darkroom.core.images import ImageChanges, NewImage
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.core.unset import Unset
from darkroom.errors import Invalid, NotFound

router = APIRouter(tags=["procore: images"])

T = TypeVar("T")

BASE64_SLACK = 2  # base64 text is 4/3 of its bytes; a JSON-text part may carry it


@router.get("/rest/v1.0/images")
def list_(request: Request, rt: RuntimeDep, scope: ProjectScope, shape: Shape) -> Response:
    with bad_request():
        wanted = params.image_list(params.of(request))
        page = query.find_images(rt, scope, wanted.query)
    body = wire.images(page.items, shape, wanted.view)
    return paged(request, shape.base_url, body, wanted.page, page.total)


@router.post("/rest/v1.0/images")
async def create(request: Request, rt: RuntimeDep, scope: ProjectScope, shape: Shape) -> Response:
    # The scope is checked before any bytes are read: a stranger's upload is refused unread.
    max_part = rt.settings.max_upload_bytes * BASE64_SLACK
    body = await bodies.create_body(request, max_part_bytes=max_part)
    created = await run_in_threadpool(_create, rt, scope, body)
    return ProcoreJSON(wire.image(created, shape), status_code=201)


@router.get("/rest/v1.0/images/{image_id}")
def show(rt: RuntimeDep, scope: ProjectScope, image_id: ImageId, shape: Shape) -> Response:
    return ProcoreJSON(wire.image(images.find(rt, scope, image_id), shape))


@router.patch("/rest/v1.0/images/{image_id}")
async def update(
    request: Request, rt: RuntimeDep, scope: ProjectScope, image_id: ImageId, shape: Shape
) -> Response:
    raw = await bodies.update_body(request)
    changed = await run_in_threadpool(_update, rt, scope, image_id, raw)
    return ProcoreJSON(wire.image(changed, shape))


@router.delete("/rest/v1.0/images/{image_id}")
def delete(request: Request, rt: RuntimeDep, scope: ProjectScope, image_id: ImageId) -> Response:
    """Soft delete into the recycle bin, or ``permanent=true`` for good (D2: 200, empty)."""
    with bad_request():
        permanent = params.flag(params.of(request), "permanent")
    if permanent:
        images.purge(rt, scope, image_id)
    else:
        images.move_to_trash(rt, scope, image_id)
    return Response(status_code=200)


@router.patch("/rest/v1.0/images/{image_id}/retrieve")
@router.post("/rest/v1.0/images/{image_id}/retrieve")  # retrieve also answers POST (D3)
def retrieve(rt: RuntimeDep, scope: ProjectScope, image_id: ImageId, shape: Shape) -> Response:
    """Restore from the recycle bin into its album, or "Unclassified" if that is gone (D3)."""
    restored = images.take_from_trash(
        rt, scope, image_id, fallback=PROCORE_UNCLASSIFIED, name=placement.UNCLASSIFIED
    )
    return ProcoreJSON(wire.image(restored, shape))


def _create(rt: Runtime, scope: Scope, body: CreateBody) -> ImageRecord:
    attrs = bodies.attributes(body.raw)
    if body.upload_uuid is None and body.file is None and isinstance(attrs.data, Unset):
        raise Invalid(
            "the image needs a source: upload_uuid, upload.uuid, image.data or an image[data] file",
            field="upload_uuid",
        )
    with placement.checked(attrs):
        album_id, location_id = images.place(rt, scope, placement.of(attrs))
    new = _new_image(scope, body, attrs, location_id)
    return _ingest(rt, scope, album_id, body, attrs, new)


def _new_image(
    scope: Scope, body: CreateBody, attrs: Attributes, location_id: int | None
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
        location_id=location_id,
        trade_ids=_given(attrs.trade_ids, []),
        extras=extras,
    )


def _ingest(
    rt: Runtime, scope: Scope, album_id: int, body: CreateBody, attrs: Attributes, new: NewImage
) -> ImageRecord:
    if body.upload_uuid is not None:
        try:
            return uploads.add_image(
                rt, scope, album_id, body.upload_uuid, new, from_ancestors=True
            )
        except NotFound as error:
            if error.entity != "upload":
                raise
            raise Invalid(f"unknown upload {body.upload_uuid}", field="upload_uuid") from None
    if body.file is not None:
        return images.add(rt, scope, album_id, body.file.file, new)
    assert isinstance(attrs.data, str)
    return images.add(rt, scope, album_id, io.BytesIO(bodies.decode_data(attrs.data)), new)


def _update(rt: Runtime, scope: Scope, image_id: int, raw: dict[str, Any]) -> ImageRecord:
    attrs = bodies.attributes(raw)
    changes = ImageChanges(
        description=attrs.description,
        private=attrs.private,
        starred=attrs.starred,
        log_date=attrs.log_date,
        trade_ids=attrs.trade_ids,
    )
    with placement.checked(attrs):
        return images.change(rt, scope, image_id, changes, placement=placement.of(attrs))


def _given(value: T | Unset, default: T) -> T:
    return default if isinstance(value, Unset) else value
