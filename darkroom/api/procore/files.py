"""The bytes behind an image's ``url`` and ``thumbnail_url``.

Procore hands out pre-signed storage URLs that work without the API token; darkroom's
equivalent is a capability URL naming the image's unguessable public id. Only images of
Procore albums are served here, and never from the recycle bin.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common import delivery
from darkroom.api.common.deps import get_runtime
from darkroom.core import images, variants
from darkroom.core.albums import AlbumKind
from darkroom.media import Fit, RenderSpec

router = APIRouter(tags=["procore: image files"])

PROCORE_ALBUMS = frozenset({AlbumKind.PROCORE_CATEGORY, AlbumKind.PROCORE_UNCLASSIFIED})
THUMBNAIL = RenderSpec(width=300, height=300, fit=Fit.INSIDE)


@router.get("/rest/v1.0/image_files/{public_id}")
def original(request: Request, public_id: str) -> Response:
    rt = get_runtime(request)
    with rt.reading() as session:
        blob = images.get_public(session, public_id, album_kinds=PROCORE_ALBUMS).blob
    return delivery.send(rt.store, variants.original(blob), request.headers)


@router.get("/rest/v1.0/image_files/{public_id}/thumbnail")
def thumbnail(request: Request, public_id: str) -> Response:
    rt = get_runtime(request)
    with rt.reading() as session:
        blob = images.get_public(session, public_id, album_kinds=PROCORE_ALBUMS).blob
    return delivery.send(rt.store, variants.variant(rt, blob, THUMBNAIL), request.headers)
