from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest

from darkroom.errors import Invalid, TooLarge
from darkroom.media._exif import NO_FACTS
from darkroom.media.formats import ImageFormat
from darkroom.media.probe import Limits, probe, read_facts, verify_decodes
from tests.media.conftest import ImageWriter
from tests.media.located import after_soi, jpeg_segment, plain

GPS_FIELDS = {
    "exif-ifd3-GPSLatitude": "48/1 51/1 2964/100",
    "exif-ifd3-GPSLatitudeRef": "S",
    "exif-ifd3-GPSLongitude": "2/1 17/1 40/1",
    "exif-ifd3-GPSLongitudeRef": "W",
}


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "gif", "avif"])
def test_probe_image_returns_format_and_dimensions(write_image: ImageWriter, fmt: str) -> None:
    info = probe(write_image(fmt, 80, 30), Limits())
    assert (info.format, info.width, info.height, info.frames) == (ImageFormat(fmt), 80, 30, 1)


def test_probe_animated_gif_counts_frames(write_image: ImageWriter) -> None:
    info = probe(write_image("gif", 20, 10, frames=5), Limits())
    assert (info.width, info.height, info.frames) == (20, 10, 5)


def test_probe_animated_webp_counts_frames(write_image: ImageWriter) -> None:
    assert probe(write_image("webp", 20, 10, frames=3), Limits()).frames == 3


@pytest.mark.parametrize("orientation", [5, 6, 7, 8])
def test_probe_transposing_orientation_swaps_width_and_height(
    write_image: ImageWriter, orientation: int
) -> None:
    info = probe(write_image("jpeg", 80, 30, fields={"orientation": orientation}), Limits())
    assert (info.orientation, info.width, info.height) == (orientation, 30, 80)


@pytest.mark.parametrize("orientation", [1, 2, 3, 4])
def test_probe_upright_orientation_keeps_width_and_height(
    write_image: ImageWriter, orientation: int
) -> None:
    info = probe(write_image("jpeg", 80, 30, fields={"orientation": orientation}), Limits())
    assert (info.orientation, info.width, info.height) == (orientation, 80, 30)


def test_probe_date_time_original_sets_taken_at(write_image: ImageWriter) -> None:
    fields = {
        "exif-ifd2-DateTimeOriginal": "2024:01:02 10:20:30",
        "exif-ifd0-DateTime": "2025:05:05 05:05:05",
    }
    info = probe(write_image("jpeg", fields=fields), Limits())
    assert info.taken_at == datetime(2024, 1, 2, 10, 20, 30, tzinfo=UTC)


def test_probe_only_date_time_sets_taken_at(write_image: ImageWriter) -> None:
    info = probe(
        write_image("jpeg", fields={"exif-ifd0-DateTime": "2023:07:08 09:10:11"}), Limits()
    )
    assert info.taken_at == datetime(2023, 7, 8, 9, 10, 11, tzinfo=UTC)


def test_probe_offset_time_original_makes_taken_at_utc(write_image: ImageWriter) -> None:
    fields = {
        "exif-ifd2-DateTimeOriginal": "2024:01:02 10:20:30",
        "exif-ifd2-OffsetTimeOriginal": "-05:00",
    }
    info = probe(write_image("jpeg", fields=fields), Limits())
    assert info.taken_at == datetime(2024, 1, 2, 15, 20, 30, tzinfo=UTC)


def test_probe_png_exif_sets_taken_at(write_image: ImageWriter) -> None:
    fields = {"exif-ifd2-DateTimeOriginal": "2024:01:02 10:20:30"}
    info = probe(write_image("png", fields=fields), Limits())
    assert info.taken_at == datetime(2024, 1, 2, 10, 20, 30, tzinfo=UTC)


def test_probe_gps_fields_set_signed_coordinates(write_image: ImageWriter) -> None:
    info = probe(write_image("jpeg", fields=GPS_FIELDS), Limits())
    assert info.gps_lat == pytest.approx(-(48 + 51 / 60 + 29.64 / 3600))
    assert info.gps_long == pytest.approx(-(2 + 17 / 60 + 40 / 3600))


def test_probe_jpeg_exif_sets_camera_and_lens(write_image: ImageWriter) -> None:
    fields = {
        "exif-ifd0-Make": "Canon",
        "exif-ifd0-Model": "Canon EOS R5",
        "exif-ifd2-LensModel": "RF24-105mm F4 L IS USM",
    }
    facts = probe(write_image("jpeg", fields=fields), Limits()).facts
    assert (facts.camera_make, facts.camera_model, facts.lens) == (
        "Canon",
        "Canon EOS R5",
        "RF24-105mm F4 L IS USM",
    )


@pytest.mark.parametrize("fmt", ["png", "webp", "avif"])
def test_probe_exif_of_other_formats_sets_camera(write_image: ImageWriter, fmt: str) -> None:
    path = write_image(fmt, fields={"exif-ifd0-Model": "Pixel 9"})
    assert probe(path, Limits()).facts.camera_model == "Pixel 9"


def test_probe_jpeg_with_hostile_exif_is_accepted_without_facts(tmp_path: Path) -> None:
    # IFD0 claims 65,535 entries and a 4 GB camera make; libvips and the reader both shrug.
    hostile = (
        b"Exif\0\0II*\0"
        + struct.pack("<IH", 8, 65535)
        + struct.pack("<HHII", 0x010F, 2, 0xFFFFFFFF, 8)
    )
    path = tmp_path / "hostile.jpg"
    path.write_bytes(after_soi(plain("jpeg"), jpeg_segment(0xE1, hostile)))
    info = probe(path, Limits())
    assert (info.width, info.facts) == (64, NO_FACTS)


def test_read_facts_of_stored_original_returns_its_camera(write_image: ImageWriter) -> None:
    path = write_image("png", fields={"exif-ifd0-Model": "Pixel 9"})
    assert read_facts(path).camera_model == "Pixel 9"


def test_probe_without_exif_returns_no_date_or_location(write_image: ImageWriter) -> None:
    info = probe(write_image("png"), Limits())
    assert (info.orientation, info.taken_at, info.gps_lat, info.gps_long) == (1, None, None, None)


def test_probe_file_name_is_ignored_for_format(write_image: ImageWriter) -> None:
    assert probe(write_image("png", name="photo.jpg"), Limits()).format is ImageFormat.PNG


def test_probe_side_over_limit_raises_too_large(write_image: ImageWriter) -> None:
    with pytest.raises(TooLarge) as caught:
        probe(write_image("png", 300, 20), Limits(max_side=256))
    assert (caught.value.limit, caught.value.field) == (256, "image")


def test_probe_transposed_side_over_limit_raises_too_large(write_image: ImageWriter) -> None:
    path = write_image("jpeg", 200, 300, fields={"orientation": 6})
    with pytest.raises(TooLarge):
        probe(path, Limits(max_side=250))


def test_probe_pixels_over_limit_raises_too_large(write_image: ImageWriter) -> None:
    with pytest.raises(TooLarge) as caught:
        probe(write_image("png", 64, 48), Limits(max_pixels=3000))
    assert caught.value.limit == 3000


def test_probe_pixels_over_limit_counts_every_frame(write_image: ImageWriter) -> None:
    path = write_image("gif", 20, 20, frames=5)  # 400 px per frame, 2000 in all
    with pytest.raises(TooLarge) as caught:
        probe(path, Limits(max_pixels=1500))
    assert caught.value.limit == 1500


def test_probe_frames_over_limit_raises_too_large(write_image: ImageWriter) -> None:
    with pytest.raises(TooLarge) as caught:
        probe(write_image("gif", 8, 8, frames=5), Limits(max_frames=4))
    assert caught.value.limit == 4


def test_probe_image_at_limits_is_accepted(write_image: ImageWriter) -> None:
    limits = Limits(max_pixels=64 * 48, max_side=64, max_frames=1)
    assert probe(write_image("png", 64, 48), limits).width == 64


def test_probe_unreadable_header_raises_invalid(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\xff" * 40)
    with pytest.raises(Invalid) as caught:
        probe(path, Limits())
    assert caught.value.field == "image"


def test_probe_heic_with_unreadable_header_raises_invalid(tmp_path: Path) -> None:
    path = tmp_path / "phone.heic"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    with pytest.raises(Invalid):
        probe(path, Limits())


def test_verify_decodes_intact_image_returns_none(write_image: ImageWriter) -> None:
    verify_decodes(write_image("webp", frames=3))


def test_verify_decodes_truncated_png_raises_invalid(write_image: ImageWriter) -> None:
    path = write_image("png", 200, 200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(Invalid):
        verify_decodes(path)


def test_verify_decodes_gif_truncated_in_last_frame_raises_invalid(
    write_image: ImageWriter,
) -> None:
    path = write_image("gif", 40, 40, frames=4)
    data = path.read_bytes()
    path.write_bytes(data[:-20])
    with pytest.raises(Invalid):
        verify_decodes(path)
