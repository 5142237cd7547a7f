"""Fixture images for the media tests, all generated with pyvips in a temporary directory."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import pyvips

ImageWriter = Callable[..., Path]
Fields = Mapping[str, str | int | bytes]

_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "jpeg": {"Q": 90},
    "png": {},
    "webp": {"Q": 90},
    "gif": {},
    "avif": {"compression": "av1", "effort": 0, "Q": 60},
    "tiff": {},
}
_SUFFIX = {
    "jpeg": ".jpg",
    "png": ".png",
    "webp": ".webp",
    "gif": ".gif",
    "avif": ".avif",
    "tiff": ".tif",
}


def gradient(width: int, height: int, *, alpha: bool = False) -> Any:
    """An sRGB picture with some structure: red across, green down, constant blue."""
    xy = pyvips.Image.xyz(width, height)
    red = xy[0] * (255 / max(width - 1, 1))
    green = xy[1] * (255 / max(height - 1, 1))
    image = red.bandjoin([green, green * 0 + 96])
    if alpha:
        image = image.bandjoin(red * 0 + 128)
    return image.cast("uchar").copy(interpretation="srgb")


def frames_of(count: int, width: int, height: int) -> Any:
    """An animated image of ``count`` visibly different frames stacked vertically."""
    pages = [
        pyvips.Image.black(width, height)
        .new_from_image([(i * 37) % 256, (i * 91) % 256, 255 - i])
        .copy(interpretation="srgb")
        for i in range(count)
    ]
    image = pyvips.Image.arrayjoin(pages, across=1).copy()
    image.set_type(pyvips.GValue.gint_type, "page-height", height)
    return image


def save(image: Any, path: Path, fmt: str, fields: Fields | None = None) -> Path:
    """Write ``image`` as ``fmt`` with metadata ``fields`` (by value type)."""
    image = image.copy()
    for name, value in (fields or {}).items():
        gtype = (
            pyvips.GValue.gint_type
            if isinstance(value, int)
            else pyvips.GValue.blob_type
            if isinstance(value, bytes)
            else pyvips.GValue.gstr_type
        )
        image.set_type(gtype, name, value)
    getattr(image, f"{'heif' if fmt == 'avif' else fmt}save")(str(path), **_SAVE_OPTIONS[fmt])
    return path


@pytest.fixture
def write_image(tmp_path: Path) -> ImageWriter:
    """``write_image(fmt="jpeg", width=64, height=48, *, alpha, frames, fields, name)`` -> Path."""
    counter = iter(range(1_000_000))

    def write(
        fmt: str = "jpeg",
        width: int = 64,
        height: int = 48,
        *,
        alpha: bool = False,
        frames: int = 1,
        fields: Fields | None = None,
        name: str | None = None,
    ) -> Path:
        image = (
            frames_of(frames, width, height) if frames > 1 else gradient(width, height, alpha=alpha)
        )
        path = tmp_path / (name or f"image-{next(counter)}{_SUFFIX[fmt]}")
        return save(image, path, fmt, fields)

    return write


def decode(data: bytes) -> Any:
    """The decoded image of encoded ``data`` (fields, size, loader)."""
    return pyvips.Image.new_from_buffer(data, "")


def loader_of(data: bytes) -> str:
    return str(decode(data).get("vips-loader"))
