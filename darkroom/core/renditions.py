"""What to send when a client asks for an image: the one sizing rule and the one format policy
of every door. The bytes come from the stored original when it will do, else from a cached
variant (``core.variants``).

Sizing: a box of at most ``width`` x ``height`` (a side of None or 0 is unbounded); the image is
fitted inside it keeping its ratio and is never enlarged, so a box at least as large as the
original asks for the original size. Sides are clamped to the original's first, which makes every
box beyond the original one variant instead of one per size asked.

Format: the client's preferred format when its API may send it; else the stored format (as the
variant encoder keeps it: GIF stills become PNG) when allowed; else PNG if the image may be
transparent, else JPEG, else the first format the API allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from darkroom.core import variants
from darkroom.core.blobs import blob_key
from darkroom.core.runtime import Runtime
from darkroom.core.variants import Delivery, Plan, StoredBlob
from darkroom.errors import Invalid
from darkroom.media import ImageFormat, RenderSpec
from darkroom.media.alpha import ALPHA_HEAD_BYTES, may_have_alpha


@dataclass(frozen=True)
class Ask:
    """What a client asks for, as its door understood it.

    - ``width``, ``height``: the box (None or 0: that side is unbounded);
    - ``formats``: what the door may send (None: any format);
    - ``preferred``: the format the client ranks highest (e.g. from ``Accept``), if any;
    - ``stored_bytes``: whether the uploaded bytes may be sent as they are when they fit the ask
      (False re-encodes them, which also strips their metadata);
    - ``max_side``: no side of what is sent is longer (an API's cap), whatever the box;
    - ``scrub``: the asker is not the image's owner, so stored bytes go out without location
      metadata (variants never carry any).
    """

    width: int | None = None
    height: int | None = None
    formats: frozenset[ImageFormat] | None = None
    preferred: ImageFormat | None = None
    stored_bytes: bool = True
    max_side: int | None = None
    scrub: bool = True


def plan(rt: Runtime, blob: StoredBlob, ask: Ask) -> Plan:
    """What ``deliver`` would send for ``blob`` under ``ask``, named by its ETag, decided without
    reading the image's bytes (but for a first look at a head whose format the API cannot send
    as it is: that answer is remembered by ``core.delivery``)."""
    made = _plan(blob, ask, lambda: _head(rt, blob))
    assert made is not None  # the head was read when needed
    return made


def plan_from_memory(blob: StoredBlob, ask: Ask) -> Plan | None:
    """``plan`` when it needs no look at the image's head, else None (it would read the store)."""
    return _plan(blob, ask, lambda: None)


def _plan(blob: StoredBlob, ask: Ask, head: Callable[[], bytes | None]) -> Plan | None:
    box_w, box_h = _box(blob, ask)
    whole = box_w in (0, blob.width) and box_h in (0, blob.height)
    if whole and ask.stored_bytes:
        served = _output_format(blob, _kept_format(blob, ask), ask, head)
        if served is None:
            return None
        if served is ImageFormat(blob.format):
            return variants.scrubbed_plan(blob) if ask.scrub else variants.original_plan(blob)
    spec = RenderSpec(0, 0) if whole else RenderSpec(box_w, box_h)
    output = _output_format(blob, spec.output_format(ImageFormat(blob.format)), ask, head)
    if output is None:
        return None
    return variants.variant_plan(blob, RenderSpec(spec.width, spec.height, format=output))


def deliver(rt: Runtime, blob: StoredBlob, ask: Ask, *, client: str | None = None) -> Delivery:
    """The bytes to send for ``blob`` under ``ask``: the original or a (cached) variant.
    ``client``: who pays for a render under the rate limit (``variants.fetch``)."""
    return variants.fetch(rt, plan(rt, blob, ask), client=client)


def served_format(rt: Runtime, blob: StoredBlob, ask: Ask) -> ImageFormat:
    """The format ``deliver`` sends ``blob`` in at its original size."""
    served = _output_format(blob, _kept_format(blob, ask), ask, lambda: _head(rt, blob))
    assert served is not None  # the head was read when needed
    return served


def _kept_format(blob: StoredBlob, ask: Ask) -> ImageFormat:
    source = ImageFormat(blob.format)
    return source if ask.stored_bytes else RenderSpec(0, 0).output_format(source)


def _output_format(
    blob: StoredBlob, encoded: ImageFormat, ask: Ask, head: Callable[[], bytes | None]
) -> ImageFormat | None:
    """The format policy (module docstring); ``encoded`` is what the encoder makes of the source.
    None when it takes a look at the image's head and ``head`` gives none."""
    if ask.preferred is not None and _allowed(ask.preferred, ask.formats):
        return ask.preferred
    if _allowed(encoded, ask.formats):
        return encoded
    assert ask.formats is not None  # every format is allowed when there is no list
    if ImageFormat.PNG in ask.formats:
        found = head()
        if found is None:
            return None
        if may_have_alpha(ImageFormat(blob.format), found):
            return ImageFormat.PNG
    if ImageFormat.JPEG in ask.formats:
        return ImageFormat.JPEG
    return min(ask.formats)


def _box(blob: StoredBlob, ask: Ask) -> tuple[int, int]:
    """The box the image is fitted into: the ask's sides clamped to the original's (0 for an
    unbounded side), then to ``max_side`` so no side sent is longer."""
    box_w = _clamped(ask.width, blob.width, "width")
    box_h = _clamped(ask.height, blob.height, "height")
    if ask.max_side is not None:
        box_w = min(box_w or blob.width, ask.max_side)
        box_h = min(box_h or blob.height, ask.max_side)
    return box_w, box_h


def _clamped(side: int | None, original: int, name: str) -> int:
    """A requested side, never more than the original's (nothing is enlarged); 0 for none."""
    if side is None or side == 0:
        return 0
    if side < 0:
        raise Invalid(f"{name} must be a positive number of pixels", field=name)
    return min(side, original)


def _allowed(fmt: ImageFormat, formats: frozenset[ImageFormat] | None) -> bool:
    return formats is None or fmt in formats


def _head(rt: Runtime, blob: StoredBlob) -> bytes:
    return b"".join(rt.store.open_range(blob_key(blob.sha256), 0, ALPHA_HEAD_BYTES))
