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


def heic_photo(
    width: int = 64,
    height: int = 48,
    *,
    seed: int = 0,
    orientation: int = 1,
    rotation: str = "irot",
    taken_at: str | None = None,
    gps: tuple[float, float] | None = None,
    quality: int = 80,
    exif: bool = True,
) -> bytes:
    """An HEIC (HEVC, through pillow-heif's x265) that displays as ``width`` x ``height`` px with
    a red block in its top-left corner, so a test can tell upright from turned.

    ``orientation`` (1, 3, 6 or 8) is how the stored pixels must be turned to display upright:
    with ``rotation="irot"`` an ``irot`` box and the same EXIF Orientation, as an iPhone
    writes them; with ``rotation="exif"`` only the EXIF Orientation (no ``irot``). ``taken_at``
    (``"2024:05:06 07:08:09"``) and ``gps`` (latitude, longitude) go into the EXIF block;
    ``exif=False`` writes none (and so no rotation either).
    """
    import io  # imported here: this file's head belongs to everyone who adds images to it

    import pillow_heif  # a dev dependency: the server itself only decodes HEIC (pi-heif)
    from PIL import Image

    corner = (max(1, width // 4), max(1, height // 4))
    upright = _pattern(width, height, seed).draw_rect([255, 0, 0], 0, 0, *corner, fill=True)
    turns = {1: upright, 3: upright.rot180(), 6: upright.rot270(), 8: upright.rot90()}
    stored = turns[orientation]
    tags = Image.Exif()
    tags[0x0112] = orientation if rotation == "irot" else 1  # pillow-heif writes it as irot
    if taken_at is not None:
        tags[0x0132] = taken_at  # DateTime
        tags.get_ifd(0x8769)[0x9003] = taken_at  # DateTimeOriginal
    if gps is not None:
        lat, long = gps
        tags.get_ifd(0x8825).update(
            {1: "N" if lat >= 0 else "S", 2: _dms(lat), 3: "E" if long >= 0 else "W", 4: _dms(long)}
        )
    size = (stored.width, stored.height)
    heif = pillow_heif.from_bytes("RGB", size, bytes(stored.write_to_memory()))
    buffer = io.BytesIO()
    if exif:
        heif.save(buffer, quality=quality, exif=tags.tobytes())
    else:
        assert orientation == 1, "without EXIF there is nothing to write the rotation from"
        heif.save(buffer, quality=quality)
    data = buffer.getvalue()
    if rotation == "exif" and orientation != 1:
        data = _exif_orientation_rewritten(data, orientation)
    return data


def _exif_orientation_rewritten(data: bytes, orientation: int) -> bytes:
    """``data`` with its EXIF Orientation entry's value 1 set to ``orientation``, in place (the
    same length, so no HEIF box offset moves)."""
    for order, entry in (
        ("big", b"\x01\x12\x00\x03\x00\x00\x00\x01"),
        ("little", b"\x12\x01\x03\x00\x01\x00\x00\x00"),
    ):
        one = entry + (1).to_bytes(2, order)
        if data.count(one) == 1:
            return data.replace(one, entry + orientation.to_bytes(2, order))
    raise AssertionError("no EXIF Orientation entry to rewrite")


def _dms(degrees: float) -> tuple[float, float, float]:
    """Degrees, minutes and seconds of a coordinate, as EXIF GPS stores them."""
    value = abs(degrees)
    whole = int(value)
    minutes = int((value - whole) * 60)
    return float(whole), float(minutes), round(((value - whole) * 60 - minutes) * 60, 4)
