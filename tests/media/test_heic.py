"""HEIC (HEVC) phone photos: decoded through pi-heif's libheif, limits checked from the header
first, turned upright exactly once, and given the same renditions and facts as any photo.
The files are real HEICs, encoded by pillow-heif (x265) in ``tests.images.heic_photo``."""

from __future__ import annotations

import contextlib
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import pi_heif
import pytest
import pyvips

from darkroom.errors import Invalid, TooLarge
from darkroom.media import (
    ImageFormat,
    Limits,
    RenderSpec,
    make_perceptual_hash,
    make_placeholder,
    make_renditions,
    perceptual_distance,
    probe,
    read_facts,
    render,
    verify_decodes,
)
from tests.images import heic_photo


def _write(tmp_path: Path, data: bytes, name: str = "phone.heic") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _declaring(data: bytes, width: int, height: int) -> bytes:
    """``data`` whose ``ispe`` box (the size the header declares) says ``width`` x ``height``,
    rewritten in place: the pixels stay as small as they were. ``data`` must have no ``clap``
    box (a crop, which libheif would apply to the new size): sides a multiple of 64 px."""
    assert b"clap" not in data
    at = data.index(b"ispe") + 8  # past the type and the box's version and flags
    return data[:at] + struct.pack(">II", width, height) + data[at + 8 :]


def _two_images() -> bytes:
    """An HEIC holding two top-level images (as a burst or a live photo's stills would)."""
    import io

    import pillow_heif

    pixels = pyvips.Image.black(32, 24, bands=3).copy(interpretation="srgb")
    raw = bytes(pixels.write_to_memory())
    heif = pillow_heif.from_bytes("RGB", (32, 24), raw)
    heif.add_frombytes("RGB", (32, 24), raw)
    buffer = io.BytesIO()
    heif.save(buffer, quality=50)
    return buffer.getvalue()


def _red_at_top_left(data: bytes) -> bool:
    image = pyvips.Image.new_from_buffer(data, "")
    red, green, blue = image(1, 1)[:3]
    return red > 200 and green < 60 and blue < 60


def _never_decode(*_: Any, **__: Any) -> NoReturn:
    raise AssertionError("the HEIC was decoded")


def test_heic_probe_reads_format_size_and_one_frame(tmp_path: Path) -> None:
    info = probe(_write(tmp_path, heic_photo(80, 60)), Limits())
    assert (info.format, info.width, info.height, info.frames) == (ImageFormat.HEIC, 80, 60, 1)


def test_heic_renders_to_jpeg_png_and_webp_at_its_size(tmp_path: Path) -> None:
    data = heic_photo(80, 60)
    for fmt in (ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP):
        rendered = render(data, RenderSpec(0, 0, format=fmt))
        decoded = pyvips.Image.new_from_buffer(rendered.data, "")
        assert (rendered.format, decoded.width, decoded.height) == (fmt, 80, 60)
        assert _red_at_top_left(rendered.data)


def test_heic_without_a_format_renders_as_jpeg() -> None:
    rendered = render(heic_photo(80, 60), RenderSpec(40, 40))
    assert (rendered.format, rendered.width, rendered.height) == (ImageFormat.JPEG, 40, 30)


def test_heic_verify_decodes_intact_file_returns_none(tmp_path: Path) -> None:
    verify_decodes(_write(tmp_path, heic_photo()))


def test_heic_header_over_pixel_limit_is_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pi_heif, "open_heif", _never_decode)
    path = _write(tmp_path, _declaring(heic_photo(64, 64), 12_000, 12_000))  # 144 MP
    with pytest.raises(TooLarge) as caught:
        probe(path, Limits(max_pixels=100_000_000))
    assert caught.value.limit == 100_000_000


def test_heic_header_over_side_limit_is_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pi_heif, "open_heif", _never_decode)
    path = _write(tmp_path, _declaring(heic_photo(64, 64), 20_000, 100))
    with pytest.raises(TooLarge) as caught:
        probe(path, Limits())
    assert caught.value.limit == Limits().max_side


def test_heic_images_over_frame_limit_are_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pi_heif, "open_heif", _never_decode)
    with pytest.raises(TooLarge) as caught:
        probe(_write(tmp_path, _two_images()), Limits(max_frames=1))
    assert caught.value.limit == 1


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.2])
def test_truncated_heic_probe_or_renditions_raise_invalid(tmp_path: Path, keep: float) -> None:
    data = heic_photo(200, 150)
    path = _write(tmp_path, data[: int(len(data) * keep)])
    with pytest.raises(Invalid) as caught:
        probe(path, Limits())
        make_renditions(path)
    assert caught.value.field == "image"


def test_truncated_heic_render_from_bytes_raises_invalid() -> None:
    data = heic_photo(200, 150)
    with pytest.raises(Invalid):
        render(data[: len(data) - 40], RenderSpec(50, 50))


def test_heic_with_pixels_overwritten_raises_invalid_or_decodes(tmp_path: Path) -> None:
    """Garbage in the coded pixels: libde265 either refuses them or paints something; either way
    no crash, hang or other error type (a corrupt photo is the uploader's problem, not a 500)."""
    data = bytearray(heic_photo(200, 150))
    mdat = data.index(b"mdat") + 4
    data[mdat + 8 :] = bytes((i * 131) % 256 for i in range(len(data) - mdat - 8))
    path = _write(tmp_path, bytes(data))
    with contextlib.suppress(Invalid):
        make_renditions(path)


@pytest.mark.parametrize("rotation", ["irot", "exif"])
@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_rotated_heic_is_probed_and_rendered_upright_once(
    tmp_path: Path, rotation: str, orientation: int
) -> None:
    path = _write(tmp_path, heic_photo(80, 40, orientation=orientation, rotation=rotation))
    info = probe(path, Limits())
    rendered = render(path, RenderSpec(0, 0, format=ImageFormat.PNG))
    assert (info.width, info.height) == (80, 40)
    assert (rendered.width, rendered.height) == (80, 40)
    assert _red_at_top_left(rendered.data)


def test_irot_heic_with_matching_exif_orientation_is_not_turned_twice(tmp_path: Path) -> None:
    # heic_photo's irot files carry EXIF Orientation 6 as well, as an iPhone's do.
    data = heic_photo(80, 40, orientation=6, rotation="irot")
    block = pyvips.Image.new_from_buffer(data, "").get("exif-data")
    assert b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06" in block
    mezzanine = make_renditions(_write(tmp_path, data)).mezzanine
    assert mezzanine is not None
    assert (mezzanine.width, mezzanine.height) == (80, 40)
    assert _red_at_top_left(mezzanine.data)


def test_heic_gets_a_jpeg_mezzanine_placeholder_and_perceptual_hash(tmp_path: Path) -> None:
    path = _write(tmp_path, heic_photo(120, 90, seed=3))
    made = make_renditions(path)
    assert made.mezzanine is not None
    assert (made.mezzanine.format, made.mezzanine.width, made.mezzanine.height) == (
        ImageFormat.JPEG,
        120,
        90,
    )
    assert made.placeholder == make_placeholder(path)
    assert made.perceptual_hash == make_perceptual_hash(path)


def test_heic_perceptual_hash_matches_its_jpeg_copy(tmp_path: Path) -> None:
    path = _write(tmp_path, heic_photo(240, 180, seed=5))
    heic_hash = make_renditions(path).perceptual_hash
    jpeg = render(path, RenderSpec(0, 0, format=ImageFormat.JPEG)).data
    # within /v1's default distance for "similar" (6 bits)
    assert perceptual_distance(heic_hash, make_perceptual_hash(jpeg)) <= 6


def test_heic_exif_date_taken_and_gps_are_read(tmp_path: Path) -> None:
    data = heic_photo(taken_at="2024:05:06 07:08:09", gps=(48.858222, -2.294444))
    info = probe(_write(tmp_path, data), Limits())
    assert info.taken_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert info.gps_lat == pytest.approx(48.858222, abs=1e-4)
    assert info.gps_long == pytest.approx(-2.294444, abs=1e-4)
    assert read_facts(data) == info.facts


def _item_type_flipped(data: bytes) -> bytes:
    """``data`` with its EXIF item's type ``Exif`` made ``Ex\\xc1f`` (one byte, in place)."""
    at = data.index(b"Exif", 0, data.index(b"mdat"))  # the item entry, not the payload
    return data[: at + 2] + b"\xc1" + data[at + 3 :]


@pytest.mark.parametrize("fmt", ["heic", "avif"])
def test_heif_declaring_a_side_past_libvips_range_is_too_large(tmp_path: Path, fmt: str) -> None:
    """libvips reports a side over 10,000,000 px as 1 px, so the sizes are read from the boxes."""
    source = pyvips.Image.black(64, 64, bands=3)
    data = (
        heic_photo(64, 64)
        if fmt == "heic"
        else source.heifsave_buffer(compression="av1", effort=0, Q=50)
    )
    path = _write(tmp_path, _declaring(data, 50_000_000, 20), f"wide.{fmt}")
    with pytest.raises(TooLarge) as caught:
        probe(path, Limits())
    assert caught.value.limit == Limits().max_side


def test_heic_with_an_item_type_that_is_not_text_raises_invalid(tmp_path: Path) -> None:
    """pi-heif 1.4.0 segfaults reading such an item: the file is refused before it gets it."""
    path = _write(tmp_path, _item_type_flipped(heic_photo(80, 60)))
    probe(path, Limits())  # libvips reads the header (it names fields after the item types)
    with pytest.raises(Invalid):
        make_renditions(path)


def _encoded(mode: str, image: Any) -> bytes:
    """``image``'s pixels (as pi-heif ``mode`` names them) encoded as HEIC by pillow-heif."""
    import io

    import pillow_heif

    heif = pillow_heif.from_bytes(mode, (image.width, image.height), image.write_to_memory())
    buffer = io.BytesIO()
    heif.save(buffer, quality=80)
    return buffer.getvalue()


def test_ten_bit_heic_gets_an_eight_bit_jpeg_mezzanine(tmp_path: Path) -> None:
    grey = (pyvips.Image.xyz(96, 64)[0] * 600).cast("ushort")  # up to 57,000 of 65,535
    data = _encoded("RGB;16", grey.bandjoin([grey, grey]))
    assert pi_heif.open_heif(data, convert_hdr_to_8bit=False).info["bit_depth"] == 10
    mezzanine = make_renditions(_write(tmp_path, data)).mezzanine
    assert mezzanine is not None
    decoded = pyvips.Image.new_from_buffer(mezzanine.data, "")
    assert (mezzanine.format, decoded.format, decoded.width) == (ImageFormat.JPEG, "uchar", 96)


def test_heic_with_alpha_gets_a_webp_mezzanine_with_alpha(tmp_path: Path) -> None:
    see_through = pyvips.Image.black(96, 64, bands=3).bandjoin(128).cast("uchar")
    mezzanine = make_renditions(_write(tmp_path, _encoded("RGBA", see_through))).mezzanine
    assert mezzanine is not None
    decoded = pyvips.Image.new_from_buffer(mezzanine.data, "")
    assert (mezzanine.format, decoded.bands) == (ImageFormat.WEBP, 4)
