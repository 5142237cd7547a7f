"""Company trades (spec §7, D11): ``GET``/``POST /rest/v1.0/companies/{company_id}/trades``.

Procore's Photos API only references trades; darkroom manages them here. Anyone with access to
the company lists them; managers and admins add them. A company starts with "General".
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
from darkroom.core import trades
from darkroom.core.access import Scope
from darkroom.core.errors import Invalid
from darkroom.core.runtime import Runtime

router = APIRouter(tags=["procore: trades"])

TRADES = "/rest/v1.0/companies/{company_id}/trades"


@router.get(TRADES)
def list_(request: Request, company_id: str) -> Response:
    rt = get_runtime(request)
    with rt.transaction() as session:
        scope = context.company(session, request, company_id)
        with bad_request():
            page = params.page(params.of(request))
        every = trades.list_trades(session, scope)
        body = [wire.trade(t) for t in every[page.offset : page.offset + page.limit]]
    return paged(request, base_url(request, rt), body, page, len(every))


@router.post(TRADES)
async def create(request: Request, company_id: str) -> Response:
    rt = get_runtime(request)
    scope = await run_in_threadpool(context.enter_company, rt, request, company_id)
    fields = (await bodies.json_object(request)).get("trade")
    if not isinstance(fields, dict):
        raise BadRequest("the body must hold a trade object", field="trade")
    return ProcoreJSON(await run_in_threadpool(_create, rt, scope, fields), status_code=201)


def _create(rt: Runtime, scope: Scope, fields: dict[str, Any]) -> dict[str, Any]:
    if fields.get("name") is None:
        raise Invalid("name is required", field="name")
    name = bodies.as_str(fields["name"], "name")
    active = fields.get("active")
    with rt.transaction() as session:
        made = trades.add(
            session,
            scope,
            name,
            active=True if active is None else bodies.as_bool(active, "active"),
        )
        return wire.trade(made)
