"""The ThumbHash encoder, checked through its own decoder and the format's invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.media._thumbhash import MAX_SIDE, aspect_ratio, decode, encode


def _solid(width: int, height: int, rgba: tuple[int, int, int, int]) -> bytes:
    return bytes(rgba) * (width * height)


def _stripes(width: int, height: int) -> bytes:
    return b"".join(
        bytes((255, 40, 40, 255) if x < width // 2 else (40, 40, 255, 255))
        for _ in range(height)
        for x in range(width)
    )


def test_encode_landscape_image_decodes_wider_than_high() -> None:
    width, height, _ = decode(encode(90, 60, _stripes(90, 60)))
    assert width / height == pytest.approx(1.5, rel=0.1)


def test_encode_portrait_image_decodes_higher_than_wide() -> None:
    width, height, _ = decode(encode(60, 90, _stripes(60, 90)))
    assert height / width == pytest.approx(1.5, rel=0.1)


def test_encode_solid_colour_decodes_to_that_colour() -> None:
    _, _, rgba = decode(encode(20, 20, _solid(20, 20, (200, 120, 40, 255))))
    assert abs(rgba[0] - 200) <= 8 and abs(rgba[1] - 120) <= 8 and abs(rgba[2] - 40) <= 8
    assert rgba[3] == 255


def test_encode_keeps_left_red_right_blue_layout() -> None:
    width, _, rgba = decode(encode(64, 64, _stripes(64, 64)))
    left, right = rgba[0:4], rgba[(width - 1) * 4 : width * 4]
    assert left[0] > left[2] and right[2] > right[0]


def test_encode_transparent_image_decodes_transparent() -> None:
    hashed = encode(16, 16, _solid(16, 16, (0, 0, 0, 0)))
    assert hashed[2] & 0x80  # the alpha flag
    _, _, rgba = decode(hashed)
    assert max(rgba[3::4]) <= 16


def test_encode_over_100_px_raises_value_error() -> None:
    with pytest.raises(ValueError):
        encode(MAX_SIDE + 1, 10, _solid(MAX_SIDE + 1, 10, (0, 0, 0, 255)))


def test_encode_wrong_pixel_count_raises_value_error() -> None:
    with pytest.raises(ValueError):
        encode(10, 10, b"\0" * 12)


@given(
    st.integers(1, 24).flatmap(
        lambda w: st.integers(1, 24).flatmap(
            lambda h: st.tuples(
                st.just(w), st.just(h), st.binary(min_size=w * h * 4, max_size=w * h * 4)
            )
        )
    )
)
def test_encode_any_pixels_gives_a_short_hash_with_the_right_orientation(
    image: tuple[int, int, bytes],
) -> None:
    width, height, rgba = image
    hashed = encode(width, height, rgba)
    assert 5 <= len(hashed) <= 25
    ratio = aspect_ratio(hashed)
    assert (ratio > 1) == (width > height) or ratio == 1
    assert decode(hashed)[0] <= 32
