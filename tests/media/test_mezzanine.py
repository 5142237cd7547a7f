from __future__ import annotations

import base64
from pathlib import Path

import pytest

from darkroom.errors import Invalid
from darkroom.media._thumbhash import decode as thumbhash_decode
from darkroom.media.formats import ImageFormat
from darkroom.media.render import MEZZANINE_SIDE, make_mezzanine, make_placeholder, make_renditions
from tests.media.conftest import ImageWriter, decode, gradient, save

LARGE = MEZZANINE_SIDE + 52  # just over the mezzanine side: cheap to generate and shrink


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
def test_make_mezzanine_small_passthrough_format_returns_none(
    write_image: ImageWriter, fmt: str
) -> None:
    assert make_mezzanine(write_image(fmt, MEZZANINE_SIDE, 40)) is None


def test_make_mezzanine_large_jpeg_returns_q90_jpeg_within_side(write_image: ImageWriter) -> None:
    mezzanine = make_mezzanine(write_image("jpeg", LARGE, 100))
    assert mezzanine is not None
    assert (mezzanine.format, mezzanine.width) == (ImageFormat.JPEG, MEZZANINE_SIDE)
    image = decode(mezzanine.data)
    assert (image.width, image.height, image.get("vips-loader")) == (
        MEZZANINE_SIDE,
        round(100 * MEZZANINE_SIDE / LARGE),
        "jpegload_buffer",
    )


def test_make_mezzanine_large_opaque_png_returns_jpeg(write_image: ImageWriter) -> None:
    mezzanine = make_mezzanine(write_image("png", 100, LARGE))
    assert mezzanine is not None
    assert (mezzanine.format, mezzanine.height) == (ImageFormat.JPEG, MEZZANINE_SIDE)


def test_make_mezzanine_large_png_with_alpha_returns_webp_with_alpha(
    write_image: ImageWriter,
) -> None:
    mezzanine = make_mezzanine(write_image("png", LARGE, 50, alpha=True))
    assert mezzanine is not None
    assert mezzanine.format is ImageFormat.WEBP
    assert decode(mezzanine.data).hasalpha()


def test_make_mezzanine_png_with_opaque_alpha_band_returns_jpeg(tmp_path: Path) -> None:
    opaque = gradient(LARGE, 50).bandjoin_const(255)
    mezzanine = make_mezzanine(save(opaque, tmp_path / "opaque.png", "png"))
    assert mezzanine is not None
    assert mezzanine.format is ImageFormat.JPEG


@pytest.mark.parametrize("fmt", ["gif", "avif"])
def test_make_mezzanine_small_other_format_returns_jpeg_at_original_size(
    write_image: ImageWriter, fmt: str
) -> None:
    mezzanine = make_mezzanine(write_image(fmt, 60, 40))
    assert mezzanine is not None
    assert (mezzanine.format, mezzanine.width, mezzanine.height) == (ImageFormat.JPEG, 60, 40)
    assert decode(mezzanine.data).get("vips-loader") == "jpegload_buffer"


def test_make_mezzanine_large_jpeg_is_auto_rotated_without_orientation(
    write_image: ImageWriter,
) -> None:
    mezzanine = make_mezzanine(write_image("jpeg", LARGE, 100, fields={"orientation": 6}))
    assert mezzanine is not None
    image = decode(mezzanine.data)
    assert (image.width, image.height) == (round(100 * MEZZANINE_SIDE / LARGE), MEZZANINE_SIDE)
    assert "orientation" not in image.get_fields()
    assert not any(name.startswith("exif") for name in image.get_fields())


@pytest.mark.parametrize("width", [200, LARGE])
def test_make_mezzanine_truncated_jpeg_raises_invalid(write_image: ImageWriter, width: int) -> None:
    path = write_image("jpeg", width, 200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(Invalid) as caught:
        make_mezzanine(path)
    assert caught.value.field == "image"


def test_make_mezzanine_truncated_webp_raises_invalid(write_image: ImageWriter) -> None:
    path = write_image("webp", 200, 200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(Invalid):
        make_mezzanine(path)


def test_make_mezzanine_gif_truncated_in_later_frame_raises_invalid(
    write_image: ImageWriter,
) -> None:
    path = write_image("gif", 40, 40, frames=3)
    data = path.read_bytes()
    path.write_bytes(data[:-8])
    with pytest.raises(Invalid):
        make_mezzanine(path)


def _placeholder_size(placeholder: str) -> tuple[int, int]:
    width, height, _ = thumbhash_decode(base64.b64decode(placeholder))
    return width, height


def test_make_renditions_large_jpeg_gives_mezzanine_and_landscape_placeholder(
    write_image: ImageWriter,
) -> None:
    made = make_renditions(write_image("jpeg", LARGE, LARGE * 2 // 3))
    assert made.mezzanine is not None
    width, height = _placeholder_size(made.placeholder)
    assert width / height == pytest.approx(1.5, rel=0.1)


def test_make_renditions_small_png_gives_placeholder_without_mezzanine(
    write_image: ImageWriter,
) -> None:
    made = make_renditions(write_image("png", 40, 60, alpha=True))
    assert made.mezzanine is None
    assert base64.b64decode(made.placeholder)[2] & 0x80  # ThumbHash's alpha flag


def test_make_renditions_placeholder_is_upright(write_image: ImageWriter) -> None:
    made = make_renditions(write_image("jpeg", 90, 60, fields={"orientation": 6}))
    width, height = _placeholder_size(made.placeholder)
    assert height > width


def test_make_renditions_truncated_jpeg_raises_invalid(write_image: ImageWriter) -> None:
    path = write_image("jpeg", 300, 200)
    path.write_bytes(path.read_bytes()[:-400])
    with pytest.raises(Invalid):
        make_renditions(path)


def test_make_placeholder_of_mezzanine_bytes_matches_its_shape(write_image: ImageWriter) -> None:
    mezzanine = make_mezzanine(write_image("jpeg", LARGE * 2 // 3, LARGE))
    assert mezzanine is not None
    width, height = _placeholder_size(make_placeholder(mezzanine.data))
    assert height / width == pytest.approx(1.5, rel=0.1)
