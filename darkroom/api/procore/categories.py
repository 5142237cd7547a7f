"""``/rest/v1.0/image_categories``: photo albums of a project (spec §5)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common.deps import RuntimeDep
from darkroom.api.procore import bodies, params, placement, wire
from darkroom.api.procore.context import CategoryId, ProjectScope, Shape
from darkroom.api.procore.errors import bad_request
from darkroom.api.procore.responses import ProcoreJSON, paged
from darkroom.api.vocabulary import PROCORE_CATEGORY, PROCORE_UNCLASSIFIED
from darkroom.core import albums, query
from darkroom.core.access import Scope
from darkroom.core.query import ImageQuery
from darkroom.core.records import AlbumSummary
from darkroom.core.runtime import Runtime
from darkroom.core.unset import UNSET, Unset
from darkroom.errors import Invalid

router = APIRouter(tags=["procore: image categories"])

KIND = PROCORE_CATEGORY.kind


@router.get("/rest/v1.0/image_categories")
def list_(request: Request, rt: RuntimeDep, scope: ProjectScope, shape: Shape) -> Response:
    with bad_request():
        page = params.page(params.of(request))
    found = albums.summaries(rt, scope, KIND, offset=page.offset, limit=page.limit)
    body = [wire.category(entry, shape) for entry in found.items]
    return paged(request, shape.base_url, body, page, found.total)


# Declared before /{category_id}: "ids_with_images" is not an id.
@router.get("/rest/v1.0/image_categories/ids_with_images")
def ids_with_images(request: Request, rt: RuntimeDep, scope: ProjectScope) -> Response:
    with bad_request():
        updated = params.updated_range(params.of(request))
    found = query.albums_with_images(rt, scope, ImageQuery(updated=updated), kinds=[KIND])
    return ProcoreJSON(found)


@router.post("/rest/v1.0/image_categories")
async def create(request: Request, rt: RuntimeDep, scope: ProjectScope) -> Response:
    fields = bodies.inner_object(await bodies.json_object(request), "image_category")
    created = await run_in_threadpool(_create, rt, scope, fields)
    return ProcoreJSON(wire.category_detail(created), status_code=201)


@router.get("/rest/v1.0/image_categories/{category_id}")
def show(rt: RuntimeDep, scope: ProjectScope, category_id: CategoryId) -> Response:
    return ProcoreJSON(wire.category_detail(albums.summary(rt, scope, category_id, kind=KIND)))


@router.patch("/rest/v1.0/image_categories/{category_id}")
async def update(
    request: Request, rt: RuntimeDep, scope: ProjectScope, category_id: CategoryId
) -> Response:
    fields = bodies.inner_object(await bodies.json_object(request), "image_category")
    changed = await run_in_threadpool(_update, rt, scope, category_id, fields)
    return ProcoreJSON(wire.category_detail(changed))


@router.delete("/rest/v1.0/image_categories/{category_id}")
def delete(rt: RuntimeDep, scope: ProjectScope, category_id: CategoryId) -> Response:
    """The album goes; its images go to the recycle bin (spec §2.5). Its creator or a manager
    deletes it; a creator who is no manager trashes only their own images in it, and the others'
    (private ones too) move to "Unclassified"."""
    albums.remove(
        rt,
        scope,
        category_id,
        kind=KIND,
        spare_into=PROCORE_UNCLASSIFIED,
        spare_name=placement.UNCLASSIFIED,
    )
    return Response(status_code=204)


def _create(rt: Runtime, scope: Scope, fields: dict[str, Any]) -> AlbumSummary:
    name = fields.get("name")
    if name is None:
        raise Invalid("name is required", field="name")
    private = fields.get("private")
    cover = fields.get("album_cover_id")
    return albums.add(
        rt,
        scope,
        PROCORE_CATEGORY,
        name=bodies.as_name(name, "name"),
        private=False if private is None else bodies.as_bool(private, "private"),
        cover_image_id=None if cover is None else bodies.as_int(cover, "album_cover_id"),
    )


def _update(rt: Runtime, scope: Scope, category_id: int, fields: dict[str, Any]) -> AlbumSummary:
    return albums.revise(
        rt,
        scope,
        category_id,
        kind=KIND,
        name=bodies.as_name(fields["name"], "name") if "name" in fields else UNSET,
        private=bodies.as_bool(fields["private"], "private") if "private" in fields else UNSET,
        cover_image_id=_cover_change(fields),
    )


def _cover_change(fields: dict[str, Any]) -> int | Unset | None:
    """``album_cover_id``: absent keeps the cover, null clears it, an id sets it."""
    if "album_cover_id" not in fields:
        return UNSET
    value = fields["album_cover_id"]
    return None if value is None else bodies.as_int(value, "album_cover_id")
