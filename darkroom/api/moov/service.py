"""The Moov operations as sequences of core calls. Blocking: routes run them in the thread pool.

Each function opens its own short transactions, because ingest, replace and purge commit their
own (on SQLite a request-long transaction would hold the write lock they wait for).
"""

from __future__ import annotations

from typing import BinaryIO

from darkroom.api.common.negotiate import preferred_format
from darkroom.config import MiB
from darkroom.core import albums, images, query, variants
from darkroom.core.access import Scope
from darkroom.core.albums import AlbumKind
from darkroom.core.filters import SortKey
from darkroom.core.images import ImageChanges, NewImage
from darkroom.core.models import Image
from darkroom.core.runtime import Runtime
from darkroom.core.unset import Unset
from darkroom.core.variants import Delivery
from darkroom.media import Fit, ImageFormat, RenderSpec

FORMATS = frozenset({ImageFormat.PNG, ImageFormat.JPEG, ImageFormat.WEBP})
OUTPUT_FORMATS = (ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP)  # what get_public accepts
MAX_IMAGE_BYTES = 16 * MiB
NEWEST_FIRST = (SortKey("created_at", descending=True), SortKey("uuid", descending=True))


def upload(rt: Runtime, scope: Scope, content: BinaryIO, alt_text: str | None) -> Image:
    """A new image in the account's album (dedupe, 300 images: the album kind's policy)."""
    with rt.transaction() as session:
        album = albums.ensure(session, scope, AlbumKind.MOOV_ACCOUNT)
    new = NewImage(alt_text=alt_text)
    return images.ingest(rt, scope, album, content, new, formats=FORMATS, max_bytes=MAX_IMAGE_BYTES)


def update(
    rt: Runtime,
    scope: Scope,
    image_uuid: str,
    content: BinaryIO | None,
    alt_text: str | Unset | None,
) -> Image:
    """New bytes (if given), then the alt-text change (if any): a refused file changes nothing."""
    image = get(rt, scope, image_uuid)
    if content is not None:
        image = images.replace_content(
            rt, scope, image.id, content, formats=FORMATS, max_bytes=MAX_IMAGE_BYTES
        )
    if isinstance(alt_text, Unset):
        return image
    return set_alt_text(rt, scope, image_uuid, alt_text)


def set_alt_text(rt: Runtime, scope: Scope, image_uuid: str, alt_text: str | None) -> Image:
    with rt.transaction() as session:
        image = images.get_by_uuid(session, scope, image_uuid)
        return images.update(session, scope, image, ImageChanges(alt_text=alt_text))


def get(rt: Runtime, scope: Scope, image_uuid: str) -> Image:
    with rt.transaction() as session:
        return images.get_by_uuid(session, scope, image_uuid)


def get_by_id(rt: Runtime, scope: Scope, image_id: int) -> Image:
    with rt.transaction() as session:
        return images.get(session, scope, image_id)


def list_page(rt: Runtime, scope: Scope, skip: int, count: int) -> list[Image]:
    """Newest first, then by imageID (M1)."""
    wanted = query.ImageQuery(sort=NEWEST_FIRST, offset=skip, limit=count)
    with rt.transaction() as session:
        return query.list_images(session, scope, wanted).items


def delete(rt: Runtime, scope: Scope, image_uuid: str) -> None:
    """Permanent: the row goes, and the blob with it when nothing else refers to it."""
    images.purge(rt, scope, get(rt, scope, image_uuid).id)


def public_rendition(
    rt: Runtime, public_id: str, width: int, height: int, accept: str | None
) -> Delivery:
    """The cached (or newly rendered) rendition of a Moov image inside ``width`` x ``height``.

    Never enlarged; 0 keeps the ratio (M7). The format is the one ``accept`` ranks highest among
    PNG, JPEG and WebP, else the stored one. Only Moov images: other doors' public ids are 404.
    """
    with rt.reading() as session:
        blob = images.get_public(session, public_id, album_kinds={AlbumKind.MOOV_ACCOUNT}).blob
    output = preferred_format(accept, OUTPUT_FORMATS, ImageFormat(blob.format))
    spec = RenderSpec(width, height, fit=Fit.INSIDE, format=output)
    return variants.variant(rt, blob, spec)
