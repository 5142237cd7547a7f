"""Share links in each door's words: which image a reference names (``procore:123``,
``cyclos:<id or key>``, ``moov:<publicID>``, or a bare darkroom id), and the URL of the door
that serves it, signed until the share's expiry (``core/sharing.py``).

Used by ``darkroom share`` and ``POST /admin/v1/images/{ref}/share``; like ``vocabulary.py`` it
is where the doors meet, so it knows each door's capability URL.
"""

from __future__ import annotations

from urllib.parse import urlencode

from darkroom.api.common import signed
from darkroom.api.cyclos import wire as cyclos_wire
from darkroom.api.moov.routes import PUBLIC as MOOV_PUBLIC
from darkroom.api.procore import wire as procore_wire
from darkroom.api.procore.files import PROCORE_ALBUMS
from darkroom.api.vocabulary import MOOV_IMAGES
from darkroom.core import sharing
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.core.sharing import Share
from darkroom.core.values import parse_id
from darkroom.errors import Invalid

REF_HELP = "procore:ID, cyclos:ID-or-KEY, moov:PUBLIC-ID, or a bare darkroom image id"


def find(rt: Runtime, ref: str) -> ImageRecord:
    """The live image ``ref`` names (forms in ``REF_HELP``)."""
    door, _, name = ref.partition(":") if ":" in ref else ("", "", ref)
    if door == "moov" and name:
        return sharing.find(rt, public_id=name)
    if door == "cyclos" and name and not name.isdigit():
        return sharing.find(rt, key=name)
    image_id = parse_id(name) if door in ("", "procore", "cyclos") else None
    if image_id is None:
        raise Invalid(f"unknown image reference {ref!r}: use {REF_HELP}", field="image")
    return sharing.find(rt, image_id=image_id)


def url(base_url: str, share: Share) -> str:
    """The signed URL of ``share``'s image in the door that keeps it."""
    image = share.image
    query = "?" + urlencode({signed.EXPIRES: share.expires_at, signed.SIGNATURE: share.signature})
    kind = image.album.kind
    if kind in PROCORE_ALBUMS:
        return f"{base_url}{procore_wire.API}/image_files/{image.public_id}{query}"
    if kind == MOOV_IMAGES.kind:
        return base_url + MOOV_PUBLIC.format(public_id=image.public_id) + query
    return cyclos_wire.content_url(image, base_url) + query
