"""The perceptual hash (64-bit dHash) that near-duplicate search will compare (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest
import pyvips
from hypothesis import given, settings
from hypothesis import strategies as st

from darkroom.errors import Unsupported
from darkroom.media import make_perceptual_hash
from darkroom.media._dhash import HASH_BITS, distance, of_image, signed
from tests.images import photo_like

COPY_BITS = 4
"""At most this many bits apart for a copy of the same picture."""


@pytest.fixture(scope="module")
def original() -> Any:
    return photo_like(seed=1)


@pytest.fixture(scope="module")
def original_hash(original: Any) -> int:
    return make_perceptual_hash(original.jpegsave_buffer(Q=90))


def test_a_resized_recompressed_copy_is_a_few_bits_away(original: Any, original_hash: int) -> None:
    copy = original.resize(0.3).jpegsave_buffer(Q=60)
    assert distance(original_hash, make_perceptual_hash(copy)) <= COPY_BITS


def test_the_same_picture_in_another_format_is_a_few_bits_away(
    original: Any, original_hash: int
) -> None:
    assert distance(original_hash, make_perceptual_hash(original.pngsave_buffer())) <= COPY_BITS


def test_a_lightly_cropped_copy_is_a_few_bits_away(original: Any, original_hash: int) -> None:
    cropped = original.crop(24, 18, 1152, 864).jpegsave_buffer(Q=85)  # 2% off every side
    assert distance(original_hash, make_perceptual_hash(cropped)) <= COPY_BITS


def test_unrelated_pictures_are_far_apart(original_hash: int) -> None:
    others = [make_perceptual_hash(photo_like(seed).jpegsave_buffer()) for seed in range(2, 10)]
    assert min(distance(original_hash, other) for other in others) > 3 * COPY_BITS


def test_an_upright_copy_hashes_like_the_rotated_original(
    original: Any, original_hash: int
) -> None:
    """An EXIF orientation is applied before hashing, like every rendition."""
    turned = original.rot270().copy()
    turned.set_type(pyvips.GValue.gint_type, "orientation", 6)  # "rotate 90° clockwise to view"
    assert distance(original_hash, make_perceptual_hash(turned.jpegsave_buffer(Q=90))) <= 1


def test_transparency_is_hashed_as_on_white() -> None:
    opaque = photo_like(seed=3)
    with_alpha = opaque.bandjoin_const([255])
    assert of_image(with_alpha) == of_image(opaque)


def test_a_file_that_is_no_image_is_refused() -> None:
    with pytest.raises(Unsupported):
        make_perceptual_hash(b"<svg xmlns='http://www.w3.org/2000/svg'/>")


@settings(max_examples=40, deadline=None)
@given(width=st.integers(1, 64), height=st.integers(1, 64), bands=st.sampled_from([1, 2, 3, 4]))
def test_any_shape_and_band_count_gives_64_bits(width: int, height: int, bands: int) -> None:
    image = pyvips.Image.gaussnoise(width, height, seed=width * height).cast("uchar")
    image = image.bandjoin([image] * (bands - 1)) if bands > 1 else image
    if bands >= 3:
        image = image.copy(interpretation="srgb")
    assert 0 <= of_image(image) < 2**HASH_BITS


@given(a=st.integers(0, 2**HASH_BITS - 1), b=st.integers(0, 2**HASH_BITS - 1))
def test_distance_is_a_symmetric_bit_count_within_64(a: int, b: int) -> None:
    assert distance(a, b) == distance(b, a)
    assert 0 <= distance(a, b) <= HASH_BITS
    assert (distance(a, b) == 0) == (a == b)


@given(bits=st.integers(0, 2**HASH_BITS - 1))
def test_a_signed_hash_fits_a_bigint_and_keeps_its_bits(bits: int) -> None:
    assert -(2**63) <= signed(bits) < 2**63
    assert distance(signed(bits), bits) == 0
