"""JSON responses as Procore sends them, and the paging headers of its lists (spec §1.2, §1.3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse

from darkroom.core.values import Page


class ProcoreJSON(JSONResponse):
    """JSON with an explicit charset: the client refuses any other content type."""

    media_type = "application/json; charset=utf-8"


def paged(
    request: Request, base_url: str, items: Sequence[Any], page: Page, total: int
) -> ProcoreJSON:
    """A bare JSON array with ``Total``, ``Per-Page`` and (when there are other pages) ``Link``."""
    headers = {"Total": str(total), "Per-Page": str(page.limit)}
    link = link_header(request, base_url, page, total)
    if link:
        headers["Link"] = link
    return ProcoreJSON(list(items), headers=headers)


def link_header(request: Request, base_url: str, page: Page, total: int) -> str:
    """RFC 8288 links to the first, previous, next and last pages that exist around ``page``.

    Every original query parameter is repeated; only ``page`` changes and ``per_page`` carries
    the effective page size.
    """
    last = max(1, -(-total // page.limit))
    rels: list[tuple[str, int]] = []
    if page.number > 1:
        rels += [("first", 1), ("prev", min(page.number - 1, last))]
    if page.number < last:
        rels += [("next", page.number + 1), ("last", last)]
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page")]
    url = f"{base_url}{request.url.path}"

    def href(number: int) -> str:
        query = urlencode(
            [*kept, ("page", str(number)), ("per_page", str(page.limit))], quote_via=quote
        )
        return f"{url}?{query}"

    return ", ".join(f'<{href(number)}>; rel="{rel}"' for rel, number in rels)
