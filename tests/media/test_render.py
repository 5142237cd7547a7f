from __future__ import annotations

import re
from pathlib import Path

import pytest
import pyvips

from darkroom.errors import Invalid, TooLarge, Unsupported
from darkroom.media.formats import ImageFormat
from darkroom.media.render import MAX_RENDER_SIDE, Fit, RenderSpec, render
from tests.media.conftest import ImageWriter, decode, loader_of, save

LOADERS = {
    ImageFormat.JPEG: "jpegload_buffer",
    ImageFormat.PNG: "pngload_buffer",
    ImageFormat.WEBP: "webpload_buffer",
    ImageFormat.GIF: "gifload_buffer",
    ImageFormat.AVIF: "heifload_buffer",
}


def _size(data: bytes) -> tuple[int, int]:
    image = decode(data)
    return image.width, image.height


def test_render_inside_fits_within_box(write_image: ImageWriter) -> None:
    rendered = render(write_image("jpeg", 400, 300), RenderSpec(100, 100))
    assert (rendered.width, rendered.height) == (100, 75)
    assert _size(rendered.data) == (100, 75)


def test_render_width_only_scales_height_proportionally(write_image: ImageWriter) -> None:
    assert _size(render(write_image("jpeg", 400, 300), RenderSpec(100, 0)).data) == (100, 75)


def test_render_height_only_scales_width_proportionally(write_image: ImageWriter) -> None:
    assert _size(render(write_image("jpeg", 400, 300), RenderSpec(0, 60)).data) == (80, 60)


def test_render_both_sides_zero_keeps_original_size(write_image: ImageWriter) -> None:
    assert _size(render(write_image("png", 123, 45), RenderSpec(0, 0, upscale=True)).data) == (
        123,
        45,
    )


def test_render_cover_fills_box_exactly(write_image: ImageWriter) -> None:
    assert _size(render(write_image("jpeg", 400, 300), RenderSpec(100, 100, Fit.COVER)).data) == (
        100,
        100,
    )


def test_render_cover_with_zero_side_behaves_as_inside(write_image: ImageWriter) -> None:
    spec = RenderSpec(100, 0, Fit.COVER)
    assert _size(render(write_image("jpeg", 400, 300), spec).data) == (100, 75)


def test_render_small_source_is_not_upscaled(write_image: ImageWriter) -> None:
    assert _size(render(write_image("jpeg", 64, 48), RenderSpec(200, 200)).data) == (64, 48)


def test_render_small_source_with_upscale_is_enlarged(write_image: ImageWriter) -> None:
    spec = RenderSpec(200, 200, upscale=True)
    assert _size(render(write_image("jpeg", 64, 48), spec).data) == (200, 150)


def test_render_cover_small_source_crops_to_box_aspect_without_upscaling(
    write_image: ImageWriter,
) -> None:
    spec = RenderSpec(200, 100, Fit.COVER)
    assert _size(render(write_image("jpeg", 64, 48), spec).data) == (64, 32)


@pytest.mark.parametrize("fmt", sorted(LOADERS))
def test_render_output_format_encodes_that_format(
    write_image: ImageWriter, fmt: ImageFormat
) -> None:
    rendered = render(write_image("png", 64, 48), RenderSpec(32, 32, format=fmt))
    assert rendered.format is fmt
    assert loader_of(rendered.data) == LOADERS[fmt]
    assert _size(rendered.data) == (32, 24)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("jpeg", ImageFormat.JPEG),
        ("png", ImageFormat.PNG),
        ("webp", ImageFormat.WEBP),
        ("gif", ImageFormat.PNG),
        ("avif", ImageFormat.AVIF),
    ],
)
def test_render_without_format_follows_source_format(
    write_image: ImageWriter, source: str, expected: ImageFormat
) -> None:
    rendered = render(write_image(source, 32, 24), RenderSpec(16, 16))
    assert rendered.format is expected
    assert loader_of(rendered.data) == LOADERS[expected]


def test_render_heic_source_defaults_to_jpeg() -> None:
    assert RenderSpec(16, 16).output_format(ImageFormat.HEIC) is ImageFormat.JPEG


def test_render_animated_gif_renders_first_frame(write_image: ImageWriter) -> None:
    rendered = render(write_image("gif", 20, 10, frames=4), RenderSpec(0, 0))
    image = decode(rendered.data)
    assert (image.width, image.height) == (20, 10)
    assert image.getpoint(10, 5)[:3] == pytest.approx([0, 0, 255], abs=2)  # frame 0's colour


def test_render_bytes_source_renders_like_path(write_image: ImageWriter) -> None:
    data = write_image("webp", 400, 300).read_bytes()
    assert _size(render(data, RenderSpec(100, 100)).data) == (100, 75)


def test_render_exif_orientation_is_applied(tmp_path: Path) -> None:
    # Stored 80x40: left half black, right half white. Orientation 6 displays it rotated 90°
    # clockwise, so the displayed image is 40x80 with the black half on top.
    halves = (
        pyvips.Image.black(40, 40)
        .bandjoin_const([0, 0])
        .join(pyvips.Image.black(40, 40).new_from_image([255, 255, 255]), "horizontal")
    )
    path = save(halves.copy(interpretation="srgb"), tmp_path / "o6.jpg", "jpeg", {"orientation": 6})
    image = decode(render(path, RenderSpec(0, 0, format=ImageFormat.PNG)).data)
    assert (image.width, image.height) == (40, 80)
    assert image.getpoint(20, 10)[0] < 30
    assert image.getpoint(20, 70)[0] > 225


def test_render_output_carries_no_exif_gps_or_orientation(write_image: ImageWriter) -> None:
    source = write_image(
        "jpeg",
        fields={
            "orientation": 6,
            "exif-ifd2-DateTimeOriginal": "2024:01:02 10:20:30",
            "exif-ifd3-GPSLatitude": "48/1 51/1 2964/100",
            "exif-ifd3-GPSLatitudeRef": "N",
        },
    )
    assert any(
        name.startswith("exif-ifd3-GPS") for name in decode(source.read_bytes()).get_fields()
    )
    for fmt in (ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP, ImageFormat.AVIF):
        fields = decode(render(source, RenderSpec(32, 32, format=fmt)).data).get_fields()
        leaked = [
            n for n in fields if n.startswith(("exif", "xmp", "iptc", "icc")) or n == "orientation"
        ]
        assert leaked == [], (fmt, leaked)


def test_render_gps_bytes_never_reach_the_encoded_output(write_image: ImageWriter) -> None:
    source = write_image(
        "jpeg", fields={"exif-ifd3-GPSLatitudeRef": "N", "exif-ifd0-Artist": "Ada"}
    )
    data = render(source, RenderSpec(32, 32, format=ImageFormat.JPEG)).data
    assert b"Exif" not in data
    assert b"Ada" not in data


def test_render_alpha_to_jpeg_is_flattened_onto_white(tmp_path: Path) -> None:
    transparent = pyvips.Image.black(32, 32, bands=4).copy(interpretation="srgb").cast("uchar")
    path = save(transparent, tmp_path / "clear.png", "png")
    image = decode(render(path, RenderSpec(16, 16, format=ImageFormat.JPEG)).data)
    assert image.bands == 3
    assert min(image.getpoint(8, 8)) > 250


def test_render_alpha_to_png_keeps_alpha(write_image: ImageWriter) -> None:
    rendered = render(write_image("png", alpha=True), RenderSpec(16, 16))
    assert decode(rendered.data).hasalpha()


def test_render_display_p3_source_is_converted_to_srgb(tmp_path: Path) -> None:
    red = pyvips.Image.black(32, 32).new_from_image([200, 30, 40]).copy(interpretation="srgb")
    path = save(red.icc_transform("p3"), tmp_path / "p3.jpg", "jpeg")
    pixel = decode(render(path, RenderSpec(16, 16, format=ImageFormat.PNG)).data).getpoint(8, 8)
    assert pixel == pytest.approx([200, 30, 40], abs=6)


def test_render_corrupt_icc_profile_still_renders(write_image: ImageWriter, tmp_path: Path) -> None:
    data = write_image("jpeg").read_bytes()
    payload = b"ICC_PROFILE\x00\x01\x01" + b"garbage!" * 40
    segment = b"\xff\xe2" + (len(payload) + 2).to_bytes(2, "big") + payload
    path = tmp_path / "bad-icc.jpg"
    path.write_bytes(data[:2] + segment + data[2:])
    assert "icc-profile-data" in decode(path.read_bytes()).get_fields()
    assert _size(render(path, RenderSpec(32, 32)).data) == (32, 24)


def test_render_grey16_png_becomes_8bit_srgb(tmp_path: Path) -> None:
    grey = (pyvips.Image.black(32, 32) + 30000).cast("ushort").copy(interpretation="grey16")
    path = save(grey, tmp_path / "g16.png", "png")
    image = decode(render(path, RenderSpec(16, 16, format=ImageFormat.PNG)).data)
    assert (image.bands, image.format, image.interpretation) == (3, "uchar", "srgb")


def test_render_truncated_jpeg_raises_invalid(write_image: ImageWriter) -> None:
    data = write_image("jpeg", 200, 200).read_bytes()
    with pytest.raises(Invalid) as caught:
        render(data[: len(data) // 2], RenderSpec(50, 50))
    assert caught.value.field == "image"


def test_render_non_image_raises_unsupported() -> None:
    with pytest.raises(Unsupported):
        render(b"<svg xmlns='http://www.w3.org/2000/svg'/>", RenderSpec(50, 50))


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"width": -1, "height": 10}, Invalid, "width"),
        ({"width": 10, "height": -1}, Invalid, "height"),
        ({"width": 10, "height": 10, "quality": 0}, Invalid, "quality"),
        ({"width": 10, "height": 10, "quality": 101}, Invalid, "quality"),
        ({"width": MAX_RENDER_SIDE + 1, "height": 10}, TooLarge, "width"),
        ({"width": 10, "height": 10, "format": ImageFormat.HEIC}, Unsupported, "format"),
    ],
)
def test_render_spec_out_of_range_raises(
    kwargs: dict[str, object], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        RenderSpec(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field  # type: ignore[attr-defined]


def test_render_spec_key_names_every_field() -> None:
    assert RenderSpec(400, 400, format=ImageFormat.JPEG).key == "400x400-inside-q82.jpeg"
    assert (
        RenderSpec(0, 300, Fit.COVER, ImageFormat.WEBP, 70, True).key == "0x300-cover-q70-up.webp"
    )
    assert RenderSpec(64, 64).key == "64x64-inside-q82.auto"


def test_render_spec_key_is_a_safe_path_segment() -> None:
    specs = [
        RenderSpec(w, h, fit, fmt)
        for w, h in [(0, 0), (1, 16384)]
        for fit in Fit
        for fmt in [None, *ImageFormat]
        if fmt is not ImageFormat.HEIC
    ]
    keys = {spec.key for spec in specs}
    assert len(keys) == len(specs)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.-]*", key) for key in keys)
