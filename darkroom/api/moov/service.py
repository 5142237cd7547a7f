"""The Moov operations as sequences of core calls. Blocking: routes run them in the thread pool.

Core opens the transactions (ingest, replace and purge commit their own, so on SQLite no
request-long transaction holds the write lock they wait for) and answers with records.
"""

from __future__ import annotations

from typing import BinaryIO

from darkroom.api.common.negotiate import preferred_format
from darkroom.api.vocabulary import MOOV_FORMATS, MOOV_IMAGES
from darkroom.core import albums, images, query, renditions
from darkroom.core.access import Scope
from darkroom.core.images import ImageChanges, NewImage
from darkroom.core.records import ImageRecord
from darkroom.core.renditions import Ask
from darkroom.core.runtime import Runtime
from darkroom.core.unset import Unset
from darkroom.core.values import SortKey
from darkroom.core.variants import Delivery

OUTPUT_FORMATS = tuple(sorted(MOOV_FORMATS))  # JPEG, PNG, WebP: Accept ties go in this order
NEWEST_FIRST = (SortKey("created_at", descending=True), SortKey("uuid", descending=True))


def upload(rt: Runtime, scope: Scope, content: BinaryIO, alt_text: str | None) -> ImageRecord:
    """A new image in the account's album, made on the first upload with the Moov policy
    (dedupe, 300 images, 16 MB, PNG/JPEG/WebP), which core enforces."""
    album = albums.provide(rt, scope, MOOV_IMAGES)
    return images.add(rt, scope, album.id, content, NewImage(alt_text=alt_text))


def update(
    rt: Runtime,
    scope: Scope,
    image_uuid: str,
    content: BinaryIO | None,
    alt_text: str | Unset | None,
) -> ImageRecord:
    """New bytes (if given), then the alt-text change (if any): a refused file changes nothing."""
    image = get(rt, scope, image_uuid)
    if content is not None:
        image = images.replace_bytes(rt, scope, image.id, content)
    if isinstance(alt_text, Unset):
        return image
    return images.change(rt, scope, image.id, ImageChanges(alt_text=alt_text))


def set_alt_text(rt: Runtime, scope: Scope, image_uuid: str, alt_text: str | None) -> ImageRecord:
    image = get(rt, scope, image_uuid)
    return images.change(rt, scope, image.id, ImageChanges(alt_text=alt_text))


def get(rt: Runtime, scope: Scope, image_uuid: str) -> ImageRecord:
    return images.find_by_uuid(rt, scope, image_uuid)


def get_by_id(rt: Runtime, scope: Scope, image_id: int) -> ImageRecord:
    return images.find(rt, scope, image_id)


def list_page(rt: Runtime, scope: Scope, skip: int, count: int) -> tuple[ImageRecord, ...]:
    """Newest first, then by imageID (M1); an account never written to lists nothing."""
    wanted = query.ImageQuery(sort=NEWEST_FIRST, offset=skip, limit=count)
    return query.find_images(rt, scope, wanted).items


def delete(rt: Runtime, scope: Scope, image_uuid: str) -> None:
    """Permanent: the row goes, and the blob with it when nothing else refers to it."""
    images.purge(rt, scope, get(rt, scope, image_uuid).id)


def public_rendition(
    rt: Runtime,
    public_id: str,
    width: int,
    height: int,
    accept: str | None,
    client: str | None = None,
) -> Delivery:
    """The cached (or newly rendered) rendition of a Moov image inside ``width`` x ``height``.

    Never enlarged; 0 keeps the ratio (M7). The format is the one ``accept`` ranks highest among
    PNG, JPEG and WebP, else the stored one. Only Moov images: other doors' public ids are 404.
    A render (not a cached rendition) is charged to ``client``'s allowance (429 when spent).
    """
    blob = images.find_public(rt, public_id, album_kinds={MOOV_IMAGES.kind}).blob
    output = preferred_format(accept, OUTPUT_FORMATS, blob.format)
    ask = Ask(
        width, height, formats=MOOV_FORMATS, preferred=output, stored_bytes=False, client=client
    )
    return renditions.deliver(rt, blob, ask)
