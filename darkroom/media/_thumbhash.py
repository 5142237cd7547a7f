"""ThumbHash: a picture's colours, layout and aspect ratio in about 25 bytes.

Written here from Evan Wallace's public description of the format (the PyPI package
``thumbhash`` 0.1.2 crashes on any image with transparency and its decoder is wrong, so it is not
used). The image, at most 100 px a side, is composited over its own average colour and turned
into luminance L, the two chroma channels P (yellow-blue) and Q (red-green), and alpha A. Each
channel is reduced to the low-frequency coefficients of its 2-D cosine transform: a triangle of
``nx`` by ``ny`` of them, wider for L (up to 7, 5 with alpha) than for P and Q (3) and A (5). The
DC terms and scales go into a 5-byte header (6 with alpha), the AC terms into 4-bit nibbles.

The transform is separable, so each channel costs one pass per column frequency over the rows
plus a small sum, not one pass over all pixels per coefficient.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import mul

MAX_SIDE = 100

Plane = list[list[float]]  # rows of one channel


def _round(value: float) -> int:
    """Round half up, as the reference implementation (JavaScript ``Math.round``) does."""
    return math.floor(value + 0.5)


def encode(width: int, height: int, rgba: bytes) -> bytes:
    """The ThumbHash of ``width`` x ``height`` pixels of 8-bit RGBA (unpremultiplied)."""
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError(f"{width}x{height} does not fit in {MAX_SIDE}x{MAX_SIDE}")
    if len(rgba) != width * height * 4:
        raise ValueError("rgba must hold 4 bytes per pixel")
    alpha = [a / 255 for a in rgba[3::4]]
    total_alpha = sum(alpha)
    average = [
        sum(map(mul, alpha, rgba[band::4])) / 255 / total_alpha if total_alpha else 0.0
        for band in range(3)
    ]
    has_alpha = total_alpha < width * height
    l_limit = 5 if has_alpha else 7
    longest = max(width, height)
    lx = max(1, _round(l_limit * width / longest))
    ly = max(1, _round(l_limit * height / longest))

    red, green, blue = (
        [avg * (1 - a) + a * c / 255 for a, c in zip(alpha, rgba[band::4], strict=True)]
        for band, avg in enumerate(average)
    )
    luma = [(r + g + b) / 3 for r, g, b in zip(red, green, blue, strict=True)]
    yellow_blue = [(r + g) / 2 - b for r, g, b in zip(red, green, blue, strict=True)]
    red_green = [r - g for r, g in zip(red, green, strict=True)]

    def rows(channel: list[float]) -> Plane:
        return [channel[y * width : (y + 1) * width] for y in range(height)]

    l_dc, l_ac, l_scale = _channel(rows(luma), width, height, max(3, lx), max(3, ly))
    p_dc, p_ac, p_scale = _channel(rows(yellow_blue), width, height, 3, 3)
    q_dc, q_ac, q_scale = _channel(rows(red_green), width, height, 3, 3)
    a_dc, a_ac, a_scale = (
        _channel(rows(alpha), width, height, 5, 5) if has_alpha else (1.0, [], 1.0)
    )

    landscape = width > height
    header24 = (
        _round(63 * l_dc)
        | _round(31.5 + 31.5 * p_dc) << 6
        | _round(31.5 + 31.5 * q_dc) << 12
        | _round(31 * l_scale) << 18
        | int(has_alpha) << 23
    )
    header16 = (
        (ly if landscape else lx)
        | _round(63 * p_scale) << 3
        | _round(63 * q_scale) << 9
        | int(landscape) << 15
    )
    out = bytearray(header24.to_bytes(3, "little") + header16.to_bytes(2, "little"))
    if has_alpha:
        out.append(_round(15 * a_dc) | _round(15 * a_scale) << 4)
    nibbles = [_round(15 * f) for f in (*l_ac, *p_ac, *q_ac, *a_ac)]
    nibbles += [0] * (len(nibbles) % 2)
    out += bytes(low | high << 4 for low, high in zip(nibbles[::2], nibbles[1::2], strict=True))
    return bytes(out)


def _triangle(nx: int, ny: int) -> list[tuple[int, int]]:
    """The (cx, cy) frequencies kept for an ``nx`` by ``ny`` channel, in the format's order."""
    return [(cx, cy) for cy in range(ny) for cx in range(nx) if cx * ny < nx * (ny - cy)]


def _cosines(n: int, size: int) -> list[list[float]]:
    return [[math.cos(math.pi / size * k * (i + 0.5)) for i in range(size)] for k in range(n)]


def _channel(
    plane: Plane, width: int, height: int, nx: int, ny: int
) -> tuple[float, list[float], float]:
    """DC, AC (normalised to 0..1) and scale of ``plane``'s low-frequency cosine transform."""
    across, down = _cosines(nx, width), _cosines(ny, height)
    # by_row[cx][y]: row y projected on the horizontal cosine cx.
    by_row = [[sum(map(mul, row, wave)) for row in plane] for wave in across]
    coefficients = [
        sum(map(mul, by_row[cx], down[cy])) / (width * height) for cx, cy in _triangle(nx, ny)
    ]
    dc, ac = coefficients[0], coefficients[1:]
    scale = max((abs(f) for f in ac), default=0.0)
    if scale:
        ac = [0.5 + 0.5 / scale * f for f in ac]
    return dc, ac, scale


def aspect_ratio(hash_: Sequence[int]) -> float:
    """The width / height the hash was made from, approximately (from its L frequencies)."""
    has_alpha = hash_[2] & 0x80
    landscape = hash_[4] & 0x80
    longer, shorter = (5 if has_alpha else 7), hash_[3] & 7
    return longer / shorter if landscape else shorter / longer


def decode(hash_: bytes) -> tuple[int, int, bytes]:
    """The hash's picture as ``(width, height, rgba)``, at most 32 px a side.

    darkroom sends hashes to browsers, which decode them themselves; this is for checking them.
    """
    header24 = int.from_bytes(hash_[:3], "little")
    header16 = int.from_bytes(hash_[3:5], "little")
    has_alpha = bool(header24 >> 23)
    landscape = bool(header16 >> 15)
    l_dc = (header24 & 63) / 63
    p_dc = (header24 >> 6 & 63) / 31.5 - 1
    q_dc = (header24 >> 12 & 63) / 31.5 - 1
    l_scale = (header24 >> 18 & 31) / 31
    p_scale = (header16 >> 3 & 63) / 63
    q_scale = (header16 >> 9 & 63) / 63
    longer, shorter = (5 if has_alpha else 7), header16 & 7
    lx = max(3, longer if landscape else shorter)
    ly = max(3, shorter if landscape else longer)
    a_dc, a_scale = ((hash_[5] & 15) / 15, (hash_[5] >> 4) / 15) if has_alpha else (1.0, 0.0)
    start = 6 if has_alpha else 5
    nibbles = [n for byte in hash_[start:] for n in (byte & 15, byte >> 4)]

    position = 0

    def terms(nx: int, ny: int, scale: float) -> list[tuple[int, int, float]]:
        nonlocal position
        found = []
        for cx, cy in _triangle(nx, ny)[1:]:
            nibble = nibbles[position] if position < len(nibbles) else 0
            found.append((cx, cy, (nibble / 7.5 - 1) * scale))
            position += 1
        return found

    l_ac = terms(lx, ly, l_scale)
    p_ac = terms(3, 3, p_scale * 1.25)
    q_ac = terms(3, 3, q_scale * 1.25)
    a_ac = terms(5, 5, a_scale) if has_alpha else []

    ratio = aspect_ratio(hash_)
    width = _round(32 if ratio > 1 else 32 * ratio)
    height = _round(32 / ratio if ratio > 1 else 32)
    across = _cosines(max(lx, 5 if has_alpha else 3), width)
    down = _cosines(max(ly, 5 if has_alpha else 3), height)

    def value(dc: float, ac: list[tuple[int, int, float]], x: int, y: int) -> float:
        return dc + sum(f * across[cx][x] * down[cy][y] * 2 for cx, cy, f in ac)

    out = bytearray()
    for y in range(height):
        for x in range(width):
            lum, p, q = value(l_dc, l_ac, x, y), value(p_dc, p_ac, x, y), value(q_dc, q_ac, x, y)
            b = lum - 2 / 3 * p
            r = (3 * lum - b + q) / 2
            g = r - q
            a = value(a_dc, a_ac, x, y) if has_alpha else 1.0
            out += bytes(max(0, min(255, _round(255 * c))) for c in (r, g, b, a))
    return width, height, bytes(out)
