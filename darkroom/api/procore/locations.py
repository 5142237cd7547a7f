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

from darkroom.api.common.deps import RuntimeDep
from darkroom.api.common.urls import base_url
from darkroom.api.procore import bodies, context, params, wire
from darkroom.api.procore.context import Caller, LocationId, ProjectScope
from darkroom.api.procore.errors import BadRequest, bad_request
from darkroom.api.procore.responses import ProcoreJSON, paged
from darkroom.core import locations
from darkroom.core.access import Scope
from darkroom.core.records import LocationRecord
from darkroom.core.runtime import Runtime
from darkroom.core.unset import UNSET
from darkroom.errors import Invalid

router = APIRouter(tags=["procore: locations"])

PROJECT_LOCATIONS = "/rest/v1.0/projects/{project_id}/locations"
LEGACY_LOCATIONS = "/rest/v1.0/locations"


@router.get(PROJECT_LOCATIONS)
@router.get(LEGACY_LOCATIONS)
def list_(request: Request, rt: RuntimeDep, scope: ProjectScope) -> Response:
    with bad_request():
        query, page = params.location_list(params.of(request))
        found = locations.search(rt, scope, query)
    body = [wire.location(item) for item in found.items]
    return paged(request, base_url(request, rt), body, page, found.total)


@router.post(f"{PROJECT_LOCATIONS}/find_or_create_by_path")
async def find_or_create_by_path(request: Request, rt: RuntimeDep, scope: ProjectScope) -> Response:
    """201 when a tier was made, 200 when the whole path existed."""
    fields = bodies.inner_object(await bodies.json_object(request), "location")
    if "path" not in fields:
        raise BadRequest("location.path is required", field="path")
    path = bodies.as_names(fields["path"], "path")
    found, created = await run_in_threadpool(locations.at_path, rt, scope, path)
    return ProcoreJSON(wire.location(found), status_code=201 if created else 200)


@router.post(PROJECT_LOCATIONS)
async def create(request: Request, rt: RuntimeDep, scope: ProjectScope) -> Response:
    fields = bodies.inner_object(await bodies.json_object(request), "location")
    made = await run_in_threadpool(_create, rt, scope, fields)
    return ProcoreJSON(wire.location(made), status_code=201)


@router.post(LEGACY_LOCATIONS)
async def legacy_create(request: Request, rt: RuntimeDep, actor: Caller) -> Response:
    """The body names the project: ``{"project_id": 1, "location": {...}}``."""
    body = await bodies.json_object(request)
    project_id = _text_id(body.get("project_id", request.query_params.get("project_id")))
    scope = await run_in_threadpool(context.enter_project, rt, actor, request, project_id)
    made = await run_in_threadpool(_create, rt, scope, bodies.inner_object(body, "location"))
    return ProcoreJSON(wire.location(made), status_code=201)


@router.get(LEGACY_LOCATIONS + "/{location_id}")
def legacy_show(rt: RuntimeDep, scope: ProjectScope, location_id: LocationId) -> Response:
    return ProcoreJSON(wire.location(locations.find(rt, scope, location_id)))


@router.patch(LEGACY_LOCATIONS + "/{location_id}")
async def legacy_update(
    request: Request, rt: RuntimeDep, scope: ProjectScope, location_id: LocationId
) -> Response:
    fields = bodies.inner_object(await bodies.json_object(request), "location")
    changed = await run_in_threadpool(_update, rt, scope, location_id, fields)
    return ProcoreJSON(wire.location(changed))


@router.delete(LEGACY_LOCATIONS + "/{location_id}")
def legacy_delete(rt: RuntimeDep, scope: ProjectScope, location_id: LocationId) -> Response:
    """The location and everything below it; images placed there keep no location."""
    locations.delete(rt, scope, location_id)
    return Response(status_code=204)


def _text_id(value: object) -> str | None:
    """A project id from a JSON body (an integer) or a query (a string)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _create(rt: Runtime, scope: Scope, fields: dict[str, Any]) -> LocationRecord:
    """``path`` makes every missing tier; ``node_name`` (+ ``parent_id``) makes one node."""
    code = None if fields.get("code") is None else bodies.as_name(fields["code"], "code")
    if fields.get("path") is not None:
        tiers = bodies.as_names(fields["path"], "path")
        return locations.add_path(rt, scope, tiers, code=code)
    if fields.get("node_name") is not None:
        name = bodies.as_name(fields["node_name"], "node_name")
        parent = fields.get("parent_id")
        parent_id = None if parent is None else bodies.as_int(parent, "parent_id")
        return locations.add(rt, scope, name, parent_id=parent_id, code=code)
    raise Invalid("a location needs node_name or path", field="node_name")


def _update(rt: Runtime, scope: Scope, location_id: int, fields: dict[str, Any]) -> LocationRecord:
    return locations.change(
        rt,
        scope,
        location_id,
        node_name=_optional(fields, "node_name", bodies.as_name),
        parent_id=_nullable(fields, "parent_id", bodies.as_int),
        code=_nullable(fields, "code", bodies.as_name),
    )


def _optional(fields: dict[str, Any], key: str, coerce: Any) -> Any:
    return coerce(fields[key], key) if fields.get(key) is not None else UNSET


def _nullable(fields: dict[str, Any], key: str, coerce: Any) -> Any:
    if key not in fields:
        return UNSET
    return None if fields[key] is None else coerce(fields[key], key)
