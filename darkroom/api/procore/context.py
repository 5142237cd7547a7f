"""Who is calling and where: the Bearer token, ``Procore-Company-Id`` and ``project_id`` (D1, D13).

Routes declare what they need (``Caller``, ``ProjectScope``, ``CompanyScope``, ``ImageId``, ...).
Scopes are checked in this order, so a caller learns nothing about a company before proving who
it is: the token (401), the ids' syntax (400), then access to the company and project (403, 404).
The checks are sync dependencies: FastAPI runs them in the thread pool, before the route reads any
body, so a stranger's upload is refused unread. Reads enter without writing (an admin's first look
at a new company or project sees it empty); a write makes them, a company with its first trade.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from darkroom.api.common import signed
from darkroom.api.common.auth import READS, parse_bearer, token_actor
from darkroom.api.common.deps import RuntimeDep
from darkroom.api.common.params import parse_int
from darkroom.api.common.rate_limits import client_address
from darkroom.api.common.urls import base_url
from darkroom.api.procore import wire
from darkroom.api.procore.errors import BadRequest, bad_request
from darkroom.api.vocabulary import PROCORE_COMPANY, PROCORE_PROJECT, SEEDS
from darkroom.core import access
from darkroom.core.access import Actor, Scope
from darkroom.core.accounts import CredentialKind
from darkroom.core.runtime import Runtime
from darkroom.errors import Unauthorized

COMPANY_HEADER = "Procore-Company-Id"


def caller(request: Request, rt: RuntimeDep) -> Actor:
    """The principal behind the request's Bearer token; 401 without one."""
    token = parse_bearer(request.headers.get("authorization"))
    found = token_actor(rt, token, CredentialKind.TOKEN, client_address(request))
    if found is None:
        raise Unauthorized("an Authorization: Bearer <token> header is required")
    return found


Caller = Annotated[Actor, Depends(caller)]


def parse_id(text: str | None, *, field: str) -> int:
    """A positive integer id from a header, path or query value; 400 when absent or malformed."""
    if text is None or not text.strip():
        raise BadRequest(f"{field} is required", field=field)
    with bad_request():
        return parse_int(text, field=field, minimum=1)


def enter_project(rt: Runtime, actor: Actor, request: Request, project_id: str | None) -> Scope:
    """The scope of project ``project_id`` under the header's company, for ``actor``."""
    company = parse_id(request.headers.get(COMPANY_HEADER), field=COMPANY_HEADER)
    number = parse_id(project_id, field="project_id")
    return access.enter_nested(
        rt,
        actor,
        (PROCORE_COMPANY, str(company)),
        (PROCORE_PROJECT, str(number)),
        write=request.method not in READS,
        seeds=SEEDS,
    )


def project_scope(request: Request, rt: RuntimeDep, actor: Caller) -> Scope:
    """The project of the path's ``{project_id}``, else of the query's ``project_id``."""
    named = request.path_params.get("project_id", request.query_params.get("project_id"))
    return enter_project(rt, actor, request, named)


def company_scope(request: Request, rt: RuntimeDep, actor: Caller) -> Scope:
    """The company of a ``/companies/{company_id}/...`` path; the header must agree."""
    header = parse_id(request.headers.get(COMPANY_HEADER), field=COMPANY_HEADER)
    path_id = parse_id(request.path_params.get("company_id"), field="company_id")
    if header != path_id:
        raise BadRequest(
            f"{COMPANY_HEADER} {header} does not match company_id {path_id}", field=COMPANY_HEADER
        )
    return enter_company(rt, actor, path_id, write=request.method not in READS)


def enter_company(rt: Runtime, actor: Actor, company_id: int, *, write: bool) -> Scope:
    return access.enter_top(rt, actor, PROCORE_COMPANY, str(company_id), write=write, seeds=SEEDS)


def path_scope(request: Request, rt: RuntimeDep, actor: Caller) -> Scope:
    """The company of a ``/companies/{company_id}/...`` path, else the project it names."""
    if "company_id" in request.path_params:
        return company_scope(request, rt, actor)
    return project_scope(request, rt, actor)


ProjectScope = Annotated[Scope, Depends(project_scope)]
CompanyScope = Annotated[Scope, Depends(company_scope)]
PathScope = Annotated[Scope, Depends(path_scope)]


async def image_id(image_id: str) -> int:
    return parse_id(image_id, field="id")


async def category_id(category_id: str) -> int:
    return parse_id(category_id, field="id")


async def location_id(location_id: str) -> int:
    return parse_id(location_id, field="id")


ImageId = Annotated[int, Depends(image_id)]
CategoryId = Annotated[int, Depends(category_id)]
LocationId = Annotated[int, Depends(location_id)]


async def image_context(request: Request, rt: RuntimeDep, scope: ProjectScope) -> wire.ImageContext:
    """Where this request's images are served, and in which project (for their JSON)."""
    return wire.ImageContext(
        base_url(request, rt),
        int(scope.space.external_id),
        link=lambda image: signed.query(rt, image),
    )


Shape = Annotated[wire.ImageContext, Depends(image_context)]
