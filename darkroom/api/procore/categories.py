"""``/rest/v1.0/image_categories``: photo albums of a project (spec §5)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common.deps import get_runtime
from darkroom.api.common.urls import base_url
from darkroom.api.procore import bodies, context, params, placement, wire
from darkroom.api.procore.errors import BadRequest, bad_request
from darkroom.api.procore.responses import ProcoreJSON, paged
from darkroom.core import albums, images
from darkroom.core.access import Scope
from darkroom.core.albums import AlbumKind
from darkroom.core.errors import Invalid, NotFound
from darkroom.core.models import Album
from darkroom.core.query import ImageQuery, album_ids_with_images
from darkroom.core.runtime import Runtime
from darkroom.core.unset import UNSET, Unset

router = APIRouter(tags=["procore: image categories"])


@router.get("/rest/v1.0/image_categories")
def list_(request: Request) -> Response:
    rt = get_runtime(request)
    base = base_url(request, rt)
    with rt.transaction() as session:
        scope = context.project(session, request)
        with bad_request():
            page = params.page(params.of(request))
        every = albums.list_albums(session, scope, AlbumKind.PROCORE_CATEGORY)
        chosen = every[page.offset : page.offset + page.limit]
        counts = albums.counts(session, [album.id for album in chosen])
        project_id = context.project_id_of(scope)
        body = [
            wire.category(album, counts[album.id], _cover(session, scope, album, base), project_id)
            for album in chosen
        ]
    return paged(request, base, body, page, len(every))


# Declared before /{category_id}: "ids_with_images" is not an id.
@router.get("/rest/v1.0/image_categories/ids_with_images")
def ids_with_images(request: Request) -> Response:
    rt = get_runtime(request)
    with rt.transaction() as session:
        scope = context.project(session, request)
        with bad_request():
            updated = params.updated_range(params.of(request))
        ids = album_ids_with_images(
            session, scope, ImageQuery(updated=updated), kinds=[AlbumKind.PROCORE_CATEGORY]
        )
    return ProcoreJSON(ids)


@router.post("/rest/v1.0/image_categories")
async def create(request: Request) -> Response:
    rt = get_runtime(request)
    scope = await run_in_threadpool(context.enter_project, rt, request)
    fields = _category_object(await bodies.json_object(request))
    payload = await run_in_threadpool(_create, rt, scope, fields)
    return ProcoreJSON(payload, status_code=201)


@router.get("/rest/v1.0/image_categories/{category_id}")
def show(request: Request, category_id: str) -> Response:
    rt = get_runtime(request)
    with rt.transaction() as session:
        scope = context.project(session, request)
        album = placement.category(session, scope, context.parse_id(category_id, field="id"))
        return ProcoreJSON(_detail(session, album))


@router.patch("/rest/v1.0/image_categories/{category_id}")
async def update(request: Request, category_id: str) -> Response:
    rt = get_runtime(request)
    scope = await run_in_threadpool(context.enter_project, rt, request)
    fields = _category_object(await bodies.json_object(request))
    payload = await run_in_threadpool(_update, rt, scope, category_id, fields)
    return ProcoreJSON(payload)


@router.delete("/rest/v1.0/image_categories/{category_id}")
def delete(request: Request, category_id: str) -> Response:
    """The album goes; its images go to the recycle bin (spec §2.5)."""
    rt = get_runtime(request)
    with rt.transaction() as session:
        scope = context.project(session, request)
        album = placement.category(session, scope, context.parse_id(category_id, field="id"))
        albums.delete(session, scope, album)
    return Response(status_code=204)


def _category_object(body: dict[str, Any]) -> dict[str, Any]:
    fields = body.get("image_category")
    if not isinstance(fields, dict):
        raise BadRequest("the body must hold an image_category object", field="image_category")
    return fields


def _create(rt: Runtime, scope: Scope, fields: dict[str, Any]) -> dict[str, Any]:
    name = fields.get("name")
    if name is None:
        raise Invalid("name is required", field="name")
    private = fields.get("private")
    with rt.transaction() as session:
        album = albums.create(
            session,
            scope,
            AlbumKind.PROCORE_CATEGORY,
            name=bodies.as_str(name, "name"),
            private=False if private is None else bodies.as_bool(private, "private"),
        )
        if fields.get("album_cover_id") is not None:
            cover = bodies.as_int(fields["album_cover_id"], "album_cover_id")
            album = albums.change(session, scope, album, cover_image_id=cover)
        return _detail(session, album)


def _update(rt: Runtime, scope: Scope, category_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    with rt.transaction() as session:
        album = placement.category(session, scope, context.parse_id(category_id, field="id"))
        album = albums.change(
            session,
            scope,
            album,
            name=bodies.as_str(fields["name"], "name") if "name" in fields else UNSET,
            private=bodies.as_bool(fields["private"], "private") if "private" in fields else UNSET,
            cover_image_id=_cover_change(fields),
        )
        return _detail(session, album)


def _cover_change(fields: dict[str, Any]) -> int | Unset | None:
    """``album_cover_id``: absent keeps the cover, null clears it, an id sets it."""
    if "album_cover_id" not in fields:
        return UNSET
    value = fields["album_cover_id"]
    return None if value is None else bodies.as_int(value, "album_cover_id")


def _detail(session: Session, album: Album) -> dict[str, Any]:
    return wire.category_detail(album, albums.counts(session, [album.id])[album.id])


def _cover(session: Session, scope: Scope, album: Album, base: str) -> str | None:
    """The thumbnail URL of the album's cover, when it has one the caller may see."""
    if album.cover_image_id is None:
        return None
    try:
        cover = images.get(session, scope, album.cover_image_id)
    except NotFound:
        return None
    return wire.thumbnail_url(base, cover)
