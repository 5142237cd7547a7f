"""Photo-like test images for the delivery benchmark, made once with pyvips and kept on disk.

Noise on three scales over colour gradients: blotches (64 px), texture (8 px) that survives a
10x downscale, so a 400 px variant weighs what a photo's does (about 45 KB at q82), and sensor
grain (1 px), so a 12 MP original at q90 weighs what a phone photo's does (about 3.5 MB). Each
seed gives different pixels, so every image is a different blob (darkroom stores blobs by hash).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyvips

WIDTH, HEIGHT = 4000, 3000  # 12 MP
QUALITY = 90
_GRAIN_SIGMA, _TEXTURE_SIGMA, _BLOTCH_SIGMA = 3, 40, 30


def photo(folder: Path, seed: int, *, width: int = WIDTH, height: int = HEIGHT) -> Path:
    """A ``width`` x ``height`` q90 JPEG for ``seed`` under ``folder`` (made when missing)."""
    path = folder / f"photo-{width}x{height}-s{seed}-q{QUALITY}.jpg"
    if not path.exists():
        _save(path, _pixels(width, height, seed).jpegsave_buffer(Q=QUALITY))
    return path


def photo_of_size(folder: Path, seed: int, target_bytes: int) -> Path:
    """A 4:3 q90 JPEG within 3% of ``target_bytes``: the pixel count is searched for (the
    quality is not: libvips' file size jumps by a quarter between q89 and q90)."""
    path = folder / f"photo-s{seed}-{target_bytes // 1000}kB-q{QUALITY}.jpg"
    if path.exists():
        return path
    width, height = WIDTH, HEIGHT
    data: bytes = b""
    for _ in range(4):
        data = _pixels(width, height, seed).jpegsave_buffer(Q=QUALITY)
        if abs(len(data) - target_bytes) <= 0.03 * target_bytes:
            break
        scale = (target_bytes / len(data)) ** 0.5
        width, height = round(width * scale / 4) * 4, round(height * scale / 3) * 3
    _save(path, data)
    return path


def _pixels(width: int, height: int, seed: int) -> Any:
    xy = pyvips.Image.xyz(width, height)
    x, y = xy[0], xy[1]
    tint = (seed * 37) % 60
    image = (x * (180 / width) + 30 + tint).bandjoin(
        [y * (180 / height) + 30, (x + y) * (120 / (width + height)) + 60 - tint / 2]
    )
    for scale, sigma, salt in (
        (64, _BLOTCH_SIGMA, 0),
        (8, _TEXTURE_SIGMA, 1),
        (1, _GRAIN_SIGMA, 2),
    ):
        noise = _noise(width, height, scale, sigma, seed * 3 + salt)
        image = image + noise.bandjoin([noise * 0.9, noise * 0.7])
    return image.cast("uchar").copy(interpretation="srgb")


def _noise(width: int, height: int, scale: int, sigma: float, seed: int) -> Any:
    noise = pyvips.Image.gaussnoise(
        width // scale + 2, height // scale + 2, sigma=sigma, mean=0, seed=seed
    )
    return noise.resize(scale, kernel="linear").crop(0, 0, width, height) if scale > 1 else noise


def _save(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.rename(path)
