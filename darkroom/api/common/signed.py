"""Signed links on the wire: the query parameters that carry a link's expiry and signature
(``core/signing.py``), added to the capability URLs of images not every guest may see, and
checked when such a URL is fetched.

``?expires=<Unix seconds>&signature=<base64url>``, as an S3 presigned URL carries its expiry and
signature in the query. Images every guest may see keep stable URLs without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from darkroom.core import signing
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.errors import Forbidden

EXPIRES = "expires"
SIGNATURE = "signature"
_MAX_EXPIRES_DIGITS = 12  # Unix seconds until the year 33658: longer is not ours


def query(rt: Runtime, image: ImageRecord, *, expires_at: int | None = None) -> str:
    """``?expires=…&signature=…`` for ``image`` (valid ``DARKROOM_LINK_SECONDS`` unless
    ``expires_at`` says until when), or "" when every guest may see it anyway."""
    if expires_at is None and signing.guest_visible(image):
        return ""
    return "?" + urlencode(parameters(rt, image, expires_at))


def parameters(rt: Runtime, image: ImageRecord, expires_at: int | None = None) -> dict[str, str]:
    """The signed link's query parameters, whether or not the image needs them."""
    until = signing.expiry(rt.settings.link_seconds) if expires_at is None else expires_at
    return {
        EXPIRES: str(until),
        SIGNATURE: rt.signer.sign(signing.image_identity(image), until),
    }


def signed(rt: Runtime, image: ImageRecord, values: Mapping[str, str]) -> bool:
    """Whether ``values`` (a request's query) carry a valid, unexpired signature for ``image``."""
    expires, signature = values.get(EXPIRES), values.get(SIGNATURE)
    if expires is None or signature is None:
        return False
    if not (expires.isascii() and expires.isdigit() and len(expires) <= _MAX_EXPIRES_DIGITS):
        return False
    return rt.signer.verify(signing.image_identity(image), int(expires), signature)


def admit(rt: Runtime, image: ImageRecord, values: Mapping[str, str]) -> None:
    """Let a capability URL of ``image`` through, or refuse it (Forbidden): an image not every
    guest may see needs a valid signature (missing, tampered with and expired alike)."""
    if not signing.guest_visible(image) and not signed(rt, image, values):
        raise Forbidden("this link needs a valid signature: it is missing, wrong or expired")
