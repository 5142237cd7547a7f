"""The bytes behind an image's ``url`` and ``thumbnail_url``.

Procore hands out pre-signed storage URLs that work without the API token; darkroom's
equivalent is a capability URL naming the image's unguessable public id. Only images of
Procore albums are served here, and never from the recycle bin. A private image (or one of a
private category) is served only with a valid, unexpired signature in the query
(``api/common/signed.py``): without one, or with an expired or altered one, 403, as S3 answers
a presigned URL past its expiry.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common import delivery, rate_limits, signed
from darkroom.api.common.delivery import Wanted
from darkroom.api.common.deps import RuntimeDep
from darkroom.api.common.lane import LaneRoute
from darkroom.api.vocabulary import PROCORE_CATEGORY, PROCORE_UNCLASSIFIED
from darkroom.core import images
from darkroom.core.renditions import Ask
from darkroom.core.runtime import Runtime

router = APIRouter(tags=["procore: image files"])

PROCORE_ALBUMS = frozenset({PROCORE_CATEGORY.kind, PROCORE_UNCLASSIFIED.kind})
# The uploaded bytes (without location metadata: whoever holds the URL may not be the uploader).
ORIGINAL = Ask()
THUMBNAIL = Ask(width=300, height=300, stored_bytes=False)


ORIGINAL_FILE = "/rest/v1.0/image_files/{public_id}"
THUMBNAIL_FILE = "/rest/v1.0/image_files/{public_id}/thumbnail"


@router.get(ORIGINAL_FILE)
async def original(request: Request, rt: RuntimeDep, public_id: str) -> Response:
    client = rate_limits.client_address(request)  # a capability URL: no credentials
    wanted = _wanted(rt, public_id, ORIGINAL, request.query_params, client)
    return await delivery.answer(request, rt, wanted)


@router.get(THUMBNAIL_FILE)
async def thumbnail(request: Request, rt: RuntimeDep, public_id: str) -> Response:
    client = rate_limits.client_address(request)
    wanted = _wanted(rt, public_id, THUMBNAIL, request.query_params, client)
    return await delivery.answer(request, rt, wanted)


for _path, _endpoint in ((ORIGINAL_FILE, original), (THUMBNAIL_FILE, thumbnail)):
    router.add_api_route(_path, _endpoint, methods=["HEAD"], include_in_schema=False)


def _wanted(
    rt: Runtime, public_id: str, ask: Ask, query: QueryParams, client: str | None = None
) -> Wanted:
    return Wanted(
        key=("procore", public_id),
        find=lambda: images.find_public(rt, public_id, album_kinds=PROCORE_ALBUMS),
        ask=lambda _image: ask,
        client=client,
        admit=lambda image: signed.admit(rt, image, query),
    )


def _lane(template: str, ask: Ask) -> LaneRoute:
    return LaneRoute(
        template, lambda rt, path, query, _headers: _wanted(rt, path["public_id"], ask, query)
    )


LANES = (_lane(ORIGINAL_FILE, ORIGINAL), _lane(THUMBNAIL_FILE, THUMBNAIL))
