"""Test images made on the fly with libvips; each seed gives different bytes."""

from __future__ import annotations

import pyvips


def jpeg(width: int = 64, height: int = 48, *, seed: int = 0, quality: int = 85) -> bytes:
    return _pattern(width, height, seed).jpegsave_buffer(Q=quality)


def png(width: int = 64, height: int = 48, *, seed: int = 0) -> bytes:
    return _pattern(width, height, seed).pngsave_buffer()


def webp(width: int = 64, height: int = 48, *, seed: int = 0) -> bytes:
    return _pattern(width, height, seed).webpsave_buffer()


def gif(width: int = 64, height: int = 48, *, seed: int = 0) -> bytes:
    return _pattern(width, height, seed).gifsave_buffer()


def _pattern(width: int, height: int, seed: int) -> pyvips.Image:
    x = pyvips.Image.xyz(width, height)
    red = (x[0] * (3 + seed % 7) + seed) % 256
    green = (x[1] * (5 + seed % 11) + seed * 7) % 256
    blue = ((x[0] + x[1]) * (seed % 5 + 1)) % 256
    return red.bandjoin([green, blue]).cast("uchar").copy(interpretation="srgb")


def jpeg_with_exif(
    fields: dict[str, str], width: int = 64, height: int = 48, *, orientation: int = 1
) -> bytes:
    """A JPEG whose EXIF carries ``fields`` (libvips names, e.g. ``exif-ifd2-DateTimeOriginal``)
    and ``orientation`` (libvips writes its own field over ``exif-ifd0-Orientation``)."""
    image = _pattern(width, height, seed=len(fields)).copy()
    image.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    for name, value in fields.items():
        image.set_type(pyvips.GValue.gstr_type, name, value)
    return image.jpegsave_buffer()


def gif_on_screen(screen_width: int, screen_height: int) -> bytes:
    """A hand-built GIF: one 1x1 frame on a logical screen of the given size (for a huge screen
    libvips reports the frame's size, 1x1; a viewer allocates the screen)."""
    screen = screen_width.to_bytes(2, "little") + screen_height.to_bytes(2, "little")
    header = b"GIF89a" + screen + bytes([0x80, 0, 0])  # a global table of two colours
    table = b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + bytes(4) + (1).to_bytes(2, "little") * 2 + b"\x00"  # at 0,0, 1x1
    pixels = b"\x02\x02\x44\x01\x00"  # LZW minimum code size 2, one sub-block, end
    return header + table + frame + pixels + b"\x3b"


def photo_like(seed: int, width: int = 1200, height: int = 900) -> pyvips.Image:
    """A picture with a photo's smooth shapes, three differing bands, different for each seed:
    near-duplicate tests need pictures whose copies stay alike and whose seeds do not."""
    grey = (
        pyvips.Image.gaussnoise(width // 20, height // 20, sigma=60, mean=128, seed=seed)
        .resize(20, kernel="cubic")
        .cast("uchar")
    )
    return grey.bandjoin([grey.rot180(), grey]).copy(interpretation="srgb")
