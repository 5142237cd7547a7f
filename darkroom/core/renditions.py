"""What to send when a client asks for an image at most so wide and so high, in the formats its
API may serve: the original bytes when they will do, else a cached variant (``core.variants``).

Sizes keep the ratio and never enlarge: one side given is a maximum for that side, both given is
the largest size that fits both, and a box larger than the original gives the original.
"""

from __future__ import annotations

from darkroom.core import variants
from darkroom.core.blobs import blob_key
from darkroom.core.errors import Invalid
from darkroom.core.models import Blob
from darkroom.core.runtime import Runtime
from darkroom.core.variants import Delivery
from darkroom.media import ImageFormat, RenderSpec
from darkroom.media.alpha import ALPHA_HEAD_BYTES, may_have_alpha


def deliver(
    rt: Runtime,
    blob: Blob,
    *,
    width: int | None = None,
    height: int | None = None,
    formats: frozenset[ImageFormat] | None = None,
) -> Delivery:
    """The bytes to send for ``blob`` fitted inside ``width`` x ``height`` (None: unbounded).

    ``formats`` limits what may be sent (None: anything); an original in another format is
    re-encoded at its own size, as PNG when it may be transparent, else as JPEG.
    """
    box_w, box_h = _clamped(width, blob.width, "width"), _clamped(height, blob.height, "height")
    whole = box_w in (0, blob.width) and box_h in (0, blob.height)
    if whole and _allowed(ImageFormat(blob.format), formats):
        return variants.original(blob)
    spec = RenderSpec(0, 0) if whole else RenderSpec(box_w, box_h)
    output = spec.output_format(ImageFormat(blob.format))
    if not _allowed(output, formats):
        assert formats is not None
        spec = RenderSpec(spec.width, spec.height, format=_fallback(rt, blob, formats))
    return variants.variant(rt, blob, spec)


def served_format(
    rt: Runtime, blob: Blob, formats: frozenset[ImageFormat] | None = None
) -> ImageFormat:
    """The format ``deliver`` sends ``blob`` in at its original size."""
    source = ImageFormat(blob.format)
    if _allowed(source, formats):
        return source
    assert formats is not None
    return _fallback(rt, blob, formats)


def _clamped(side: int | None, original: int, name: str) -> int:
    """A requested side, never more than the original's (nothing is enlarged); 0 for none."""
    if side is None:
        return 0
    if side <= 0:
        raise Invalid(f"{name} must be a positive number of pixels", field=name)
    return min(side, original)


def _allowed(fmt: ImageFormat, formats: frozenset[ImageFormat] | None) -> bool:
    return formats is None or fmt in formats


def _fallback(rt: Runtime, blob: Blob, formats: frozenset[ImageFormat]) -> ImageFormat:
    source = ImageFormat(blob.format)
    if ImageFormat.PNG in formats and may_have_alpha(source, _head(rt, blob)):
        return ImageFormat.PNG
    if ImageFormat.JPEG in formats:
        return ImageFormat.JPEG
    return min(formats)


def _head(rt: Runtime, blob: Blob) -> bytes:
    return b"".join(rt.store.open_range(blob_key(blob.sha256), 0, ALPHA_HEAD_BYTES))
