"""The Procore list stays index-backed: its parsed queries never scan the images table."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from starlette.datastructures import QueryParams

from darkroom.api import vocabulary
from darkroom.api.procore import params
from darkroom.api.procore.syntax import parse_bracket_params
from darkroom.core import spaces
from darkroom.core.access import Actor, Role, trusted_scope
from darkroom.core.query import _filtered, _order
from darkroom.core.runtime import Runtime


def _plan(runtime: Runtime, query_string: str) -> str:
    wanted = params.image_list(parse_bracket_params(QueryParams(query_string).multi_items()))
    with runtime.transaction() as session:
        project = spaces.ensure(session, vocabulary.PROCORE_PROJECT, "10")
        scope = trusted_scope(project, Actor(principal_id=1, role=Role.MEMBER))
        query = wanted.query
        stmt = _filtered(session, scope, query).order_by(*_order(query.sort)).limit(query.limit)
        compiled = stmt.compile(runtime.engine, compile_kwargs={"literal_binds": True})
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return " ".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    "query_string",
    [
        "project_id=10&filters%5Bcreated_at%5D=2024-01-01...2024-01-31&filters%5Bstarred%5D=true",
        "project_id=10&filters%5Btrade_ids%5D=1,2&sort=-created_at",
        "project_id=10&filters%5Blocation_id%5D=3,4&filters%5Blog_date%5D=2024-01-02",
    ],
)
def test_list_query_plan_uses_an_index_not_a_scan(api_runtime: Runtime, query_string: str) -> None:
    details = _plan(api_runtime, query_string)
    assert "USING INDEX ix_images_space" in details or "USING INDEX ix_images_location" in details
    assert "SCAN images" not in details.replace("USING INDEX", ""), details
