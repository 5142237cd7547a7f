"""Share links minted by an administrator (``darkroom share``, ``POST /admin/v1/images/…/share``):
a signed link to one image, valid for the time asked, whoever follows it.

Minting is system work: the caller (CLI, admin endpoint) has decided it may happen, so the image
is looked up without a scope, live images only. The link is a bearer capability until it
expires (``core/signing.py``); trashing, deleting or expiring the image ends it sooner.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from darkroom.clock import utcnow
from darkroom.core import signing, values
from darkroom.core.liveness import is_live
from darkroom.core.records import ImageRecord, image_records
from darkroom.core.runtime import Runtime
from darkroom.db.models import Image
from darkroom.errors import Invalid, NotFound

MAX_SECONDS = 366 * 86_400  # a share link lasts a year at most: mint another after that


@dataclass(frozen=True)
class Share:
    """A minted link: the image, until when (Unix seconds), and the signature."""

    image: ImageRecord
    expires_at: int
    signature: str


def parse_duration(text: str) -> int:
    """The seconds a share link asked to last ``text`` (``values.parse_duration``) lasts, at
    most ``MAX_SECONDS``."""
    seconds = values.parse_duration(text)
    if seconds > MAX_SECONDS:
        raise Invalid(f"a share link lasts at most {MAX_SECONDS // 86_400} days", field="expires")
    return seconds


def find(
    rt: Runtime,
    *,
    image_id: int | None = None,
    key: str | None = None,
    public_id: str | None = None,
) -> ImageRecord:
    """The live image with exactly one of ``image_id``, ``key`` or ``public_id``."""
    given = [(Image.id, image_id), (Image.key, key), (Image.public_id, public_id)]
    named = [(column, value) for column, value in given if value is not None]
    if len(named) != 1:
        raise Invalid("name the image by exactly one of id, key or public id", field="image")
    column, value = named[0]
    with rt.reading() as session:
        image = session.scalar(select(Image).where(column == value))
        if image is None or not is_live(image):
            raise NotFound("image", str(value))
        return image_records(session, [image])[0]


def share(rt: Runtime, image: ImageRecord, seconds: int) -> Share:
    """A signed link to ``image`` valid ``seconds`` from now (not rounded: the instant asked)."""
    if not 0 < seconds <= MAX_SECONDS:
        raise Invalid(f"a share link lasts 1 s to {MAX_SECONDS} s", field="expires")
    expires_at = int(utcnow().timestamp()) + seconds
    signature = rt.signer.sign(signing.image_identity(image), expires_at)
    return Share(image, expires_at, signature)
