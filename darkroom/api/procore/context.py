"""Who is calling and where: the Bearer token, ``Procore-Company-Id`` and ``project_id`` (D1, D13).

Checked in this order, so a caller learns nothing about a company before proving who it is:
the token (401), the ids' syntax (400), then access to the company and project (403, 404).
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request

from darkroom.api.common.auth import actor_from_token, parse_bearer
from darkroom.api.procore.errors import BadRequest, bad_request
from darkroom.core import access, trades
from darkroom.core.access import Actor, Scope
from darkroom.core.accounts import CredentialKind
from darkroom.core.errors import Unauthorized
from darkroom.core.filters import parse_int
from darkroom.core.models import Space
from darkroom.core.runtime import Runtime
from darkroom.core.spaces import SpaceKind

COMPANY_HEADER = "Procore-Company-Id"


def actor(session: Session, request: Request) -> Actor:
    """The principal behind the request's Bearer token; 401 without one."""
    token = parse_bearer(request.headers.get("authorization"))
    found = actor_from_token(session, token, CredentialKind.TOKEN)
    if found is None:
        raise Unauthorized("an Authorization: Bearer <token> header is required")
    return found


def parse_id(text: str | None, *, field: str) -> int:
    """A positive integer id from a header, path or query value; 400 when absent or malformed."""
    if text is None or not text.strip():
        raise BadRequest(f"{field} is required", field=field)
    with bad_request():
        return parse_int(text, field=field, minimum=1)


def company_id(request: Request) -> int:
    return parse_id(request.headers.get(COMPANY_HEADER), field=COMPANY_HEADER)


def project(session: Session, request: Request, project_id: str | None = None) -> Scope:
    """The project scope named by ``project_id`` (the query's unless given) under the company."""
    who = actor(session, request)
    company = company_id(request)
    if project_id is None:
        project_id = request.query_params.get("project_id")
    number = parse_id(project_id, field="project_id")
    scope = access.enter_nested(
        session,
        who,
        SpaceKind.PROCORE_COMPANY,
        str(company),
        SpaceKind.PROCORE_PROJECT,
        str(number),
    )
    if scope.space.parent_id is not None:
        trades.ensure_default(session, session.get_one(Space, scope.space.parent_id))
    return scope


def company(session: Session, request: Request, company_id_in_path: str) -> Scope:
    """The company scope of a ``/companies/{company_id}/...`` path; the header must agree."""
    who = actor(session, request)
    header = company_id(request)
    path_id = parse_id(company_id_in_path, field="company_id")
    if header != path_id:
        raise BadRequest(
            f"{COMPANY_HEADER} {header} does not match company_id {path_id}", field=COMPANY_HEADER
        )
    scope = access.enter_top(session, who, SpaceKind.PROCORE_COMPANY, str(path_id))
    trades.ensure_default(session, scope.space)
    return scope


def project_id_of(scope: Scope) -> int:
    """The Procore project id of a project scope (its external id is the decimal id)."""
    return int(scope.space.external_id)


def enter_project(rt: Runtime, request: Request, project_id: str | None = None) -> Scope:
    """``project`` in a transaction of its own, for routes that read a body after checking."""
    with rt.transaction() as session:
        return project(session, request, project_id)


def enter_company(rt: Runtime, request: Request, company_id_in_path: str) -> Scope:
    with rt.transaction() as session:
        return company(session, request, company_id_in_path)
