"""The bytes behind an image's ``url`` and ``thumbnail_url``.

Procore hands out pre-signed storage URLs that work without the API token; darkroom's
equivalent is a capability URL naming the image's unguessable public id. Only images of
Procore albums are served here, and never from the recycle bin.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common import delivery, rate_limits
from darkroom.api.common.deps import RuntimeDep
from darkroom.api.vocabulary import PROCORE_CATEGORY, PROCORE_UNCLASSIFIED
from darkroom.core import images, renditions
from darkroom.core.renditions import Ask

router = APIRouter(tags=["procore: image files"])

PROCORE_ALBUMS = frozenset({PROCORE_CATEGORY.kind, PROCORE_UNCLASSIFIED.kind})
ORIGINAL = Ask()  # the uploaded bytes as they are
THUMBNAIL = Ask(width=300, height=300, stored_bytes=False)


@router.get("/rest/v1.0/image_files/{public_id}")
def original(request: Request, rt: RuntimeDep, public_id: str) -> Response:
    blob = images.find_public(rt, public_id, album_kinds=PROCORE_ALBUMS).blob
    return delivery.send(rt.store, renditions.deliver(rt, blob, ORIGINAL), request.headers)


@router.get("/rest/v1.0/image_files/{public_id}/thumbnail")
def thumbnail(request: Request, rt: RuntimeDep, public_id: str) -> Response:
    blob = images.find_public(rt, public_id, album_kinds=PROCORE_ALBUMS).blob
    ask = replace(THUMBNAIL, client=rate_limits.client_address(request))  # no token: limited
    return delivery.send(rt.store, renditions.deliver(rt, blob, ask), request.headers)
