"""Variants: rendered once even under concurrent requests, cached, named by a strong ETag."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import pyvips

from darkroom.api import vocabulary
from darkroom.core import albums, images, variants
from darkroom.core.access import Scope
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.db.models import Blob
from darkroom.media import Fit, ImageFormat, Rendered, RenderSpec
from tests import images as samples


def _image(runtime: Runtime, scope: Scope, data: bytes) -> Blob:
    """The blob of a freshly ingested image."""
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.MOOV_IMAGES)
    image = images.ingest(runtime, scope, album, io.BytesIO(data), NewImage())
    with runtime.transaction() as session:
        return session.get_one(Blob, image.blob_sha256)


def _read(runtime: Runtime, key: str) -> bytes:
    with runtime.store.open(key) as handle:
        return handle.read()


@pytest.fixture
def render_calls(monkeypatch: pytest.MonkeyPatch) -> list[RenderSpec]:
    calls: list[RenderSpec] = []
    real = variants.render

    def counting(source: bytes, spec: RenderSpec) -> Rendered:
        calls.append(spec)
        return real(source, spec)

    monkeypatch.setattr(variants, "render", counting)
    return calls


def test_variant_renders_to_spec(runtime: Runtime, scope: Scope) -> None:
    image = _image(runtime, scope, samples.jpeg(400, 300))
    delivery = variants.variant(runtime, image, RenderSpec(100, 100, format=ImageFormat.PNG))
    decoded = pyvips.Image.new_from_buffer(_read(runtime, delivery.storage_key), "")
    assert (decoded.width, decoded.height) == (100, 75) == (delivery.width, delivery.height)
    assert delivery.format is ImageFormat.PNG


def test_variant_second_request_is_served_from_cache(
    runtime: Runtime, scope: Scope, render_calls: list[RenderSpec]
) -> None:
    image = _image(runtime, scope, samples.jpeg(400, 300))
    spec = RenderSpec(50, 50)
    first = variants.variant(runtime, image, spec)
    second = variants.variant(runtime, image, spec)
    assert first == second
    assert len(render_calls) == 1


def test_variant_concurrent_requests_render_once(
    runtime: Runtime, scope: Scope, render_calls: list[RenderSpec]
) -> None:
    image = _image(runtime, scope, samples.jpeg(800, 600))
    spec = RenderSpec(120, 0)
    start = threading.Barrier(8)

    def fetch(_: int) -> str:
        start.wait()
        return variants.variant(runtime, image, spec).etag

    with ThreadPoolExecutor(max_workers=8) as pool:
        etags = set(pool.map(fetch, range(8)))
    assert len(etags) == 1
    assert len(render_calls) == 1


def test_variant_etag_is_strong_and_differs_per_spec(runtime: Runtime, scope: Scope) -> None:
    image = _image(runtime, scope, samples.jpeg(200, 100))
    small = variants.variant(runtime, image, RenderSpec(20, 20))
    other = variants.variant(runtime, image, RenderSpec(40, 40))
    assert small.etag.startswith('"') and not small.etag.startswith("W/")
    assert small.etag != other.etag


def test_variant_of_large_original_is_cut_from_mezzanine(
    runtime: Runtime, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = _image(runtime, scope, samples.jpeg(4000, 1000, seed=2))
    assert image.mezzanine_key is not None
    sources: list[int] = []
    real = variants.render

    def spy(source: bytes, spec: RenderSpec) -> Rendered:
        sources.append(pyvips.Image.new_from_buffer(source, "").width)
        return real(source, spec)

    monkeypatch.setattr(variants, "render", spy)
    variants.variant(runtime, image, RenderSpec(1500, 1500))
    variants.variant(runtime, image, RenderSpec(0, 0))  # original size needs the original
    assert sources == [2048, 4000]


def test_small_variants_of_a_large_original_are_cut_from_the_small_rendition(
    runtime: Runtime, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = _image(runtime, scope, samples.jpeg(4000, 1000, seed=3))
    sources: list[int] = []
    real = variants.render

    def spy(source: bytes, spec: RenderSpec) -> Rendered:
        sources.append(pyvips.Image.new_from_buffer(source, "").width)
        return real(source, spec)

    monkeypatch.setattr(variants, "render", spy)
    first = variants.variant(runtime, image, RenderSpec(400, 400))
    variants.variant(runtime, image, RenderSpec(300, 300))
    # The small rendition is made once, from the mezzanine; then every small size is cut from it.
    assert sources == [2048, 1024, 1024]
    assert (first.width, first.height) == (400, 100)


def test_a_small_image_has_no_small_rendition(
    runtime: Runtime, scope: Scope, render_calls: list[RenderSpec]
) -> None:
    image = _image(runtime, scope, samples.jpeg(1200, 900, seed=4))
    variants.variant(runtime, image, RenderSpec(300, 300))
    assert render_calls == [RenderSpec(300, 300)]


def test_variant_cover_fit_fills_the_box(runtime: Runtime, scope: Scope) -> None:
    image = _image(runtime, scope, samples.jpeg(300, 100))
    delivery = variants.variant(runtime, image, RenderSpec(50, 50, fit=Fit.COVER))
    assert (delivery.width, delivery.height) == (50, 50)


def test_original_names_the_blob_with_its_hash(runtime: Runtime, scope: Scope) -> None:
    data = samples.png(30, 20)
    image = _image(runtime, scope, data)
    delivery = variants.original(image)
    assert _read(runtime, delivery.storage_key) == data
    assert (delivery.width, delivery.height, delivery.byte_size) == (30, 20, len(data))
    assert image.sha256[:40] in delivery.etag


def test_rendering_concurrency_is_bounded_by_render_slots(
    runtime: Runtime, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs = [_image(runtime, scope, samples.jpeg(300, 200, seed=seed)) for seed in range(6)]
    active = peak = 0
    guard = threading.Lock()
    real = variants.render

    def tracking(source: bytes, spec: RenderSpec) -> Rendered:
        nonlocal active, peak
        with guard:
            active += 1
            peak = max(peak, active)
        try:
            return real(source, spec)
        finally:
            with guard:
                active -= 1

    monkeypatch.setattr(variants, "render", tracking)
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda blob: variants.variant(runtime, blob, RenderSpec(64, 64)), blobs))
    assert 1 <= peak <= runtime.settings.render_concurrency
