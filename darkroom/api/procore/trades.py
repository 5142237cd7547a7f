"""Company trades (spec §7, D11): ``GET``/``POST /rest/v1.0/companies/{company_id}/trades``.

Procore's Photos API only references trades; darkroom manages them here. Anyone with access to
the company lists them; managers and admins add them. A company starts with "General",
made in the write that makes the company.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common.deps import RuntimeDep
from darkroom.api.common.urls import base_url
from darkroom.api.procore import bodies, params, wire
from darkroom.api.procore.context import CompanyScope
from darkroom.api.procore.errors import bad_request
from darkroom.api.procore.responses import ProcoreJSON, paged
from darkroom.core import trades
from darkroom.core.access import Scope
from darkroom.core.records import TradeRecord
from darkroom.core.runtime import Runtime
from darkroom.errors import Invalid

router = APIRouter(tags=["procore: trades"])

TRADES = "/rest/v1.0/companies/{company_id}/trades"


@router.get(TRADES)
def list_(request: Request, rt: RuntimeDep, scope: CompanyScope) -> Response:
    with bad_request():
        page = params.page(params.of(request))
    # A company nobody has written to yet has no trades: it gets "General" in the write that
    # makes it, and a read never writes.
    every = trades.find_all(rt, scope)
    body = [wire.trade(t) for t in every[page.offset : page.offset + page.limit]]
    return paged(request, base_url(request, rt), body, page, len(every))


@router.post(TRADES)
async def create(request: Request, rt: RuntimeDep, scope: CompanyScope) -> Response:
    fields = bodies.inner_object(await bodies.json_object(request), "trade")
    made = await run_in_threadpool(_create, rt, scope, fields)
    return ProcoreJSON(wire.trade(made), status_code=201)


def _create(rt: Runtime, scope: Scope, fields: dict[str, Any]) -> TradeRecord:
    if fields.get("name") is None:
        raise Invalid("name is required", field="name")
    name = bodies.as_name(fields["name"], "name")
    active = fields.get("active")
    return trades.add(
        rt, scope, name, active=True if active is None else bodies.as_bool(active, "active")
    )
