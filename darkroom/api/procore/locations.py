"""Project locations (spec §6): the tree images are placed in, under both URL styles.

``/rest/v1.0/projects/{project_id}/locations`` is the current style; ``/rest/v1.0/locations``
with ``project_id`` in the query (or, for create, in the body) is the legacy one.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common.deps import get_runtime
from darkroom.api.common.urls import base_url
from darkroom.api.procore import bodies, context, params, wire
from darkroom.api.procore.errors import BadRequest, bad_request
from darkroom.api.procore.responses import ProcoreJSON, paged
from darkroom.core import locations
from darkroom.core.access import Scope
from darkroom.core.errors import Invalid
from darkroom.core.runtime import Runtime
from darkroom.core.unset import UNSET

router = APIRouter(tags=["procore: locations"])

PROJECT_LOCATIONS = "/rest/v1.0/projects/{project_id}/locations"
LEGACY_LOCATIONS = "/rest/v1.0/locations"


@router.get(PROJECT_LOCATIONS)
def list_(request: Request, project_id: str) -> Response:
    return _list(request, project_id)


@router.get(LEGACY_LOCATIONS)
def legacy_list(request: Request) -> Response:
    return _list(request, None)


@router.post(f"{PROJECT_LOCATIONS}/find_or_create_by_path")
async def find_or_create_by_path(request: Request, project_id: str) -> Response:
    """201 when a tier was made, 200 when the whole path existed."""
    rt = get_runtime(request)
    scope = await run_in_threadpool(context.enter_project, rt, request, project_id)
    fields = _location_object(await bodies.json_object(request))
    if "path" not in fields:
        raise BadRequest("location.path is required", field="path")
    path = bodies.as_names(fields["path"], "path")
    payload, created = await run_in_threadpool(_find_or_create, rt, scope, path)
    return ProcoreJSON(payload, status_code=201 if created else 200)


@router.post(PROJECT_LOCATIONS)
async def create(request: Request, project_id: str) -> Response:
    rt = get_runtime(request)
    scope = await run_in_threadpool(context.enter_project, rt, request, project_id)
    fields = _location_object(await bodies.json_object(request))
    return ProcoreJSON(await run_in_threadpool(_create, rt, scope, fields), status_code=201)


@router.post(LEGACY_LOCATIONS)
async def legacy_create(request: Request) -> Response:
    """The body names the project: ``{"project_id": 1, "location": {...}}``."""
    rt = get_runtime(request)
    body = await bodies.json_object(request)
    project_id = body.get("project_id", request.query_params.get("project_id"))
    scope = await run_in_threadpool(context.enter_project, rt, request, _text_id(project_id))
    fields = _location_object(body)
    return ProcoreJSON(await run_in_threadpool(_create, rt, scope, fields), status_code=201)


@router.get(LEGACY_LOCATIONS + "/{location_id}")
def legacy_show(request: Request, location_id: str) -> Response:
    rt = get_runtime(request)
    with rt.transaction() as session:
        scope = context.project(session, request)
        found = locations.get(session, scope, context.parse_id(location_id, field="id"))
        return ProcoreJSON(wire.location(found))


@router.patch(LEGACY_LOCATIONS + "/{location_id}")
async def legacy_update(request: Request, location_id: str) -> Response:
    rt = get_runtime(request)
    scope = await run_in_threadpool(context.enter_project, rt, request, None)
    fields = _location_object(await bodies.json_object(request))
    return ProcoreJSON(await run_in_threadpool(_update, rt, scope, location_id, fields))


@router.delete(LEGACY_LOCATIONS + "/{location_id}")
def legacy_delete(request: Request, location_id: str) -> Response:
    """The location and everything below it; images placed there keep no location."""
    rt = get_runtime(request)
    with rt.transaction() as session:
        scope = context.project(session, request)
        found = locations.get(session, scope, context.parse_id(location_id, field="id"))
        locations.delete(session, scope, found)
    return Response(status_code=204)


def _list(request: Request, project_id: str | None) -> Response:
    rt = get_runtime(request)
    with rt.transaction() as session:
        scope = context.project(session, request, project_id)
        with bad_request():
            query, page = params.location_list(params.of(request))
            found = locations.search(session, scope, query)
        body = [wire.location(item) for item in found.items]
    return paged(request, base_url(request, rt), body, page, found.total)


def _text_id(value: object) -> str | None:
    """A project id from a JSON body (an integer) or a query (a string)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _location_object(body: dict[str, Any]) -> dict[str, Any]:
    fields = body.get("location")
    if not isinstance(fields, dict):
        raise BadRequest("the body must hold a location object", field="location")
    return fields


def _find_or_create(rt: Runtime, scope: Scope, path: list[str]) -> tuple[dict[str, Any], bool]:
    with rt.transaction() as session:
        found, created = locations.find_or_create_path(session, scope, path)
        return wire.location(found), created


def _create(rt: Runtime, scope: Scope, fields: dict[str, Any]) -> dict[str, Any]:
    """``path`` makes every missing tier; ``node_name`` (+ ``parent_id``) makes one node."""
    with rt.transaction() as session:
        if fields.get("path") is not None:
            node, created = locations.find_or_create_path(
                session, scope, bodies.as_names(fields["path"], "path")
            )
            if not created:
                raise Invalid(f"location {node.path!r} already exists", field="path")
        elif fields.get("node_name") is not None:
            parent = fields.get("parent_id")
            node = locations.create(
                session,
                scope,
                bodies.as_str(fields["node_name"], "node_name"),
                parent_id=None if parent is None else bodies.as_int(parent, "parent_id"),
            )
        else:
            raise Invalid("a location needs node_name or path", field="node_name")
        if fields.get("code") is not None:
            code = bodies.as_str(fields["code"], "code")
            node = locations.change(session, scope, node, code=code)
        return wire.location(node)


def _update(rt: Runtime, scope: Scope, location_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    with rt.transaction() as session:
        node = locations.get(session, scope, context.parse_id(location_id, field="id"))
        node = locations.change(
            session,
            scope,
            node,
            node_name=_optional(fields, "node_name", bodies.as_str),
            parent_id=_nullable(fields, "parent_id", bodies.as_int),
            code=_nullable(fields, "code", bodies.as_str),
        )
        return wire.location(node)


def _optional(fields: dict[str, Any], key: str, coerce: Any) -> Any:
    return coerce(fields[key], key) if fields.get(key) is not None else UNSET


def _nullable(fields: dict[str, Any], key: str, coerce: Any) -> Any:
    if key not in fields:
        return UNSET
    return None if fields[key] is None else coerce(fields[key], key)
