"""Renditions: the one sizing rule and the one format policy every door delivers by."""

from __future__ import annotations

import io

import pytest
import pyvips

from darkroom.core import albums, images, renditions
from darkroom.core.access import Scope
from darkroom.core.blobs import blob_key
from darkroom.core.images import NewImage
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.records import BlobRecord
from darkroom.core.renditions import Ask
from darkroom.core.runtime import Runtime
from darkroom.errors import Invalid
from darkroom.media import ImageFormat
from tests import images as samples

ANYTHING = AlbumType("test-any", AlbumPolicy())
STILLS = frozenset({ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.GIF})


def _transparent_webp() -> bytes:
    rgb = pyvips.Image.new_from_buffer(samples.png(120, 80), "")
    return rgb.bandjoin(128).copy(interpretation="srgb").webpsave_buffer(lossless=True)


def _blob(runtime: Runtime, scope: Scope, data: bytes) -> BlobRecord:
    album = albums.provide(runtime, scope, ANYTHING)
    return images.add(runtime, scope, album.id, io.BytesIO(data), NewImage()).blob


def test_deliver_without_a_box_sends_the_stored_bytes(runtime: Runtime, scope: Scope) -> None:
    blob = _blob(runtime, scope, samples.jpeg(120, 80))
    sent = renditions.deliver(runtime, blob, Ask())
    assert sent.storage_key == blob_key(blob.sha256)
    assert (sent.width, sent.height, sent.format) == (120, 80, ImageFormat.JPEG)


def test_deliver_a_box_larger_than_the_image_sends_the_stored_bytes(
    runtime: Runtime, scope: Scope
) -> None:
    blob = _blob(runtime, scope, samples.png(120, 80))
    sent = renditions.deliver(runtime, blob, Ask(width=4000, height=4000))
    assert sent.storage_key == blob_key(blob.sha256)


def test_deliver_fits_inside_the_box_keeping_the_ratio(runtime: Runtime, scope: Scope) -> None:
    blob = _blob(runtime, scope, samples.jpeg(120, 80))
    sent = renditions.deliver(runtime, blob, Ask(width=60, height=60))
    assert (sent.width, sent.height) == (60, 40)


def test_deliver_one_side_bounds_that_side_only(runtime: Runtime, scope: Scope) -> None:
    blob = _blob(runtime, scope, samples.jpeg(120, 80))
    assert renditions.deliver(runtime, blob, Ask(height=40)).width == 60
    assert renditions.deliver(runtime, blob, Ask(width=30, height=0)).height == 20


def test_deliver_boxes_beyond_the_original_share_one_variant(
    runtime: Runtime, scope: Scope
) -> None:
    blob = _blob(runtime, scope, samples.jpeg(120, 80))
    wide = renditions.deliver(runtime, blob, Ask(width=500, height=40, stored_bytes=False))
    wider = renditions.deliver(runtime, blob, Ask(width=900, height=40, stored_bytes=False))
    assert wide.etag == wider.etag and (wide.width, wide.height) == (60, 40)


def test_deliver_without_stored_bytes_reencodes_at_original_size(
    runtime: Runtime, scope: Scope
) -> None:
    blob = _blob(runtime, scope, samples.jpeg(120, 80))
    sent = renditions.deliver(runtime, blob, Ask(stored_bytes=False))
    assert sent.storage_key != blob_key(blob.sha256)
    assert (sent.width, sent.height, sent.format) == (120, 80, ImageFormat.JPEG)


def test_deliver_sends_the_preferred_format_when_allowed(runtime: Runtime, scope: Scope) -> None:
    blob = _blob(runtime, scope, samples.jpeg(120, 80))
    ask = Ask(formats=frozenset({ImageFormat.JPEG, ImageFormat.WEBP}), preferred=ImageFormat.WEBP)
    assert renditions.deliver(runtime, blob, ask).format is ImageFormat.WEBP


def test_deliver_ignores_a_preferred_format_the_door_may_not_send(
    runtime: Runtime, scope: Scope
) -> None:
    blob = _blob(runtime, scope, samples.jpeg(120, 80))
    ask = Ask(formats=STILLS, preferred=ImageFormat.AVIF)
    assert renditions.deliver(runtime, blob, ask).storage_key == blob_key(blob.sha256)


def test_deliver_of_a_transparent_image_the_door_may_not_send_falls_back_to_png(
    runtime: Runtime, scope: Scope
) -> None:
    blob = _blob(runtime, scope, _transparent_webp())
    assert renditions.deliver(runtime, blob, Ask(formats=STILLS)).format is ImageFormat.PNG


def test_deliver_of_an_opaque_image_the_door_may_not_send_falls_back_to_jpeg(
    runtime: Runtime, scope: Scope
) -> None:
    blob = _blob(runtime, scope, samples.webp(120, 80))  # lossy, no alpha channel
    sent = renditions.deliver(runtime, blob, Ask(formats=STILLS))
    assert (sent.format, sent.width, sent.height) == (ImageFormat.JPEG, 120, 80)


def test_deliver_resized_gif_becomes_png(runtime: Runtime, scope: Scope) -> None:
    blob = _blob(runtime, scope, samples.gif(120, 80))
    assert renditions.deliver(runtime, blob, Ask(width=60, formats=STILLS)).format is (
        ImageFormat.PNG
    )


def test_served_format_names_what_deliver_sends_at_original_size(
    runtime: Runtime, scope: Scope
) -> None:
    webp = _blob(runtime, scope, samples.webp(120, 80))
    assert renditions.served_format(runtime, webp, Ask(formats=STILLS)) is (
        renditions.deliver(runtime, webp, Ask(formats=STILLS)).format
    )


def test_deliver_with_a_negative_side_raises_invalid_naming_it(
    runtime: Runtime, scope: Scope
) -> None:
    blob = _blob(runtime, scope, samples.jpeg(120, 80))
    with pytest.raises(Invalid) as raised:
        renditions.deliver(runtime, blob, Ask(width=-1))
    assert raised.value.field == "width"
