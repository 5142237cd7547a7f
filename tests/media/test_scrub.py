"""``carries_location`` and ``without_location``: originals lose where they were taken, never a
pixel, and keep the way up they are shown."""

from __future__ import annotations

import struct
import zlib

import pytest
import pyvips

from darkroom.media.formats import ImageFormat
from darkroom.media.scrub import carries_location, without_location
from tests.media.conftest import decode, frames_of, gradient
from tests.media.located import (
    CITY,
    IPTC,
    XMP,
    after_ihdr,
    after_soi,
    avif,
    gif_with_xmp,
    gps_bytes_in,
    jpeg_segment,
    located,
    plain,
    png_chunk,
    png_chunks,
    riff_chunks,
    tiff,
    with_metadata,
)

JPEG, PNG, WEBP, GIF, AVIF = (
    ImageFormat.JPEG,
    ImageFormat.PNG,
    ImageFormat.WEBP,
    ImageFormat.GIF,
    ImageFormat.AVIF,
)
EDITABLE = [JPEG, PNG, WEBP]  # the formats ``located`` can build with EXIF and XMP


def _location_fields(data: bytes) -> list[str]:
    fields = decode(data).get_fields()
    return [f for f in fields if f.startswith("exif-ifd3-") or f in {"xmp-data", "iptc-data"}]


def _scrubbed(data: bytes, fmt: ImageFormat) -> bytes:
    out = without_location(data, fmt)
    assert out is not None
    return out


def _same_pixels(a: bytes, b: bytes) -> bool:
    """Whether ``a`` and ``b`` decode to the same pixels, every frame of an animation included."""
    pages = {"n": -1} if "n-pages" in decode(b).get_fields() else {}
    first, second = (pyvips.Image.new_from_buffer(d, "", **pages) for d in (a, b))
    same_shape = (first.width, first.height, first.bands) == (
        second.width,
        second.height,
        second.bands,
    )
    return same_shape and (first - second).abs().max() == 0


def _upright_size(data: bytes) -> tuple[int, int]:
    image = decode(data).autorot()
    return image.width, image.height


# --- JPEG ----------------------------------------------------------------------------------------


def test_jpeg_with_gps_xmp_and_iptc_carries_location() -> None:
    data = located("jpeg")
    assert {"exif-ifd3-GPSLatitude", "xmp-data", "iptc-data"} <= set(_location_fields(data))
    assert carries_location(data, JPEG)


def test_jpeg_without_location_has_no_gps_xmp_or_iptc_fields() -> None:
    assert _location_fields(_scrubbed(located("jpeg"), JPEG)) == []


def test_jpeg_without_location_drops_gps_and_city_bytes() -> None:
    out = _scrubbed(located("jpeg"), JPEG)
    assert not gps_bytes_in(out)
    assert CITY not in out


def test_jpeg_without_location_no_longer_carries_location() -> None:
    assert not carries_location(_scrubbed(located("jpeg"), JPEG), JPEG)


def test_jpeg_without_location_keeps_pixels_identical() -> None:
    data = located("jpeg")
    assert _same_pixels(_scrubbed(data, JPEG), data)


def test_progressive_jpeg_without_location_keeps_pixels_identical() -> None:
    image = with_metadata(gradient(64, 48), exif=b"Exif\0\0" + tiff(), xmp=XMP)
    data = image.jpegsave_buffer(interlace=True)
    assert _same_pixels(_scrubbed(data, JPEG), data)


def test_jpeg_without_location_keeps_orientation() -> None:
    data = located("jpeg", orientation=6)
    out = _scrubbed(data, JPEG)
    assert decode(out).get("orientation") == 6
    assert _upright_size(out) == _upright_size(data) == (48, 64)


def test_jpeg_upright_without_location_has_no_exif_at_all() -> None:
    out = _scrubbed(located("jpeg", orientation=1), JPEG)
    assert "exif-data" not in decode(out).get_fields()


def test_jpeg_without_location_keeps_icc_profile() -> None:
    image = with_metadata(gradient(64, 48).icc_transform("p3"), exif=b"Exif\0\0" + tiff())
    data = image.jpegsave_buffer()
    out = _scrubbed(data, JPEG)
    assert decode(out).get("icc-profile-data") == decode(data).get("icc-profile-data")


def test_cmyk_jpeg_without_location_keeps_adobe_marker_and_colours() -> None:
    cmyk = with_metadata(gradient(64, 48).icc_transform("cmyk"), exif=b"Exif\0\0" + tiff())
    data = cmyk.jpegsave_buffer()
    out = _scrubbed(data, JPEG)
    assert b"\xff\xeeAdobe"[:2] in out and b"Adobe" in out
    assert _same_pixels(out, data)


def test_jpeg_xmp_alone_carries_location() -> None:
    xmp = jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + XMP)
    assert carries_location(after_soi(plain("jpeg"), xmp), JPEG)


def test_jpeg_iptc_alone_carries_location() -> None:
    assert carries_location(after_soi(plain("jpeg"), jpeg_segment(0xED, IPTC)), JPEG)


def test_jpeg_without_location_drops_extended_xmp() -> None:
    header = b"http://ns.adobe.com/xmp/extension/\0" + b"0" * 32
    chunk = header + struct.pack(">II", len(XMP), 0) + XMP
    out = _scrubbed(after_soi(plain("jpeg"), jpeg_segment(0xE1, chunk)), JPEG)
    assert CITY not in out
    assert b"xmp/extension" not in out


def test_jpeg_exif_without_gps_does_not_carry_location() -> None:
    exif = jpeg_segment(0xE1, b"Exif\0\0" + tiff(orientation=6, gps=False))
    assert not carries_location(after_soi(plain("jpeg"), exif), JPEG)


def test_jpeg_unreadable_exif_carries_location() -> None:
    exif = jpeg_segment(0xE1, b"Exif\0\0" + b"II*\0\xff\xff\xff\x7f")
    assert carries_location(after_soi(plain("jpeg"), exif), JPEG)


def test_jpeg_without_location_drops_unreadable_exif() -> None:
    exif = jpeg_segment(0xE1, b"Exif\0\0" + b"II*\0\xff\xff\xff\x7f")
    out = _scrubbed(after_soi(plain("jpeg"), exif), JPEG)
    assert b"Exif" not in out


def test_jpeg_with_a_second_picture_after_its_end_carries_location() -> None:
    # A Multi-Picture or motion-photo file: the appended picture has EXIF of its own.
    assert carries_location(plain("jpeg") + located("jpeg"), JPEG)


def test_jpeg_without_location_drops_everything_after_its_end() -> None:
    first = plain("jpeg")
    assert _scrubbed(first + located("jpeg"), JPEG) == first


def test_jpeg_padded_after_its_end_does_not_carry_location() -> None:
    assert not carries_location(plain("jpeg") + b"\0" * 100, JPEG)


def test_jpeg_without_metadata_does_not_carry_location() -> None:
    assert not carries_location(plain("jpeg"), JPEG)


def test_jpeg_without_metadata_is_returned_as_it_is() -> None:
    data = plain("jpeg")
    assert without_location(data, JPEG) is data


def test_jpeg_without_location_drops_comments() -> None:
    out = _scrubbed(after_soi(plain("jpeg"), jpeg_segment(0xFE, b"shot at home")), JPEG)
    assert b"shot at home" not in out


def test_truncated_jpeg_cannot_be_scrubbed() -> None:
    data = located("jpeg")
    assert without_location(data[: len(data) // 2], JPEG) is None


def test_truncated_jpeg_carries_location() -> None:
    assert carries_location(plain("jpeg")[:-40], JPEG)


# --- PNG -----------------------------------------------------------------------------------------


def test_png_with_exif_and_xmp_carries_location() -> None:
    data = located("png")
    assert {"exif-ifd3-GPSLatitude", "xmp-data"} <= set(_location_fields(data))
    assert carries_location(data, PNG)


def test_png_without_location_has_no_gps_or_xmp_fields() -> None:
    assert _location_fields(_scrubbed(located("png"), PNG)) == []


def test_png_without_location_drops_gps_and_city_bytes() -> None:
    out = _scrubbed(located("png"), PNG)
    assert not gps_bytes_in(out)
    assert CITY not in out


def test_png_without_location_keeps_pixels_identical() -> None:
    data = located("png")
    assert _same_pixels(_scrubbed(data, PNG), data)


def test_png_without_location_keeps_orientation() -> None:
    data = located("png", orientation=8)
    out = _scrubbed(data, PNG)
    assert decode(out).get("orientation") == 8
    assert _upright_size(out) == _upright_size(data) == (48, 64)


def test_png_without_location_has_valid_crcs() -> None:
    out = _scrubbed(located("png", orientation=6), PNG)
    chunks = png_chunks(out)
    assert [kind for kind, _, _ in chunks][:2] == [b"IHDR", b"eXIf"]
    assert all(zlib.crc32(kind + body) == crc for kind, body, crc in chunks)


def test_png_without_location_keeps_icc_profile() -> None:
    data = with_metadata(gradient(64, 48).icc_transform("p3"), xmp=XMP).pngsave_buffer()
    out = _scrubbed(data, PNG)
    assert decode(out).get("icc-profile-data") == decode(data).get("icc-profile-data")


@pytest.mark.parametrize(
    "chunk",
    [
        png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + XMP),
        png_chunk(b"tEXt", b"XML:com.adobe.xmp\0" + XMP),
        png_chunk(b"zTXt", b"XML:com.adobe.xmp\0\0" + zlib.compress(XMP)),
        png_chunk(b"zTXt", b"Raw profile type exif\0\0" + zlib.compress(tiff().hex().encode())),
    ],
    ids=["iTXt-xmp", "tEXt-xmp", "zTXt-xmp", "raw-profile-exif"],
)
def test_png_metadata_text_chunk_carries_location(chunk: bytes) -> None:
    assert carries_location(after_ihdr(plain("png"), chunk), PNG)


def test_png_without_location_drops_every_text_chunk() -> None:
    texts = [
        png_chunk(b"tEXt", b"Comment\0shot at home"),
        png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + XMP),
    ]
    out = _scrubbed(after_ihdr(plain("png"), *texts), PNG)
    assert not {b"tEXt", b"iTXt"} & {kind for kind, _, _ in png_chunks(out)}


def test_png_with_ordinary_text_does_not_carry_location() -> None:
    assert not carries_location(after_ihdr(plain("png"), png_chunk(b"tEXt", b"Title\0Tree")), PNG)


def test_png_without_metadata_is_returned_as_it_is() -> None:
    data = plain("png")
    assert without_location(data, PNG) is data


def test_png_with_bad_chunk_length_cannot_be_scrubbed() -> None:
    data = plain("png")
    assert without_location(data[:8] + b"\x7f\xff\xff\xff" + data[12:], PNG) is None


# --- WebP ----------------------------------------------------------------------------------------


def test_webp_with_exif_and_xmp_carries_location() -> None:
    data = located("webp")
    assert {"exif-ifd3-GPSLatitude", "xmp-data"} <= set(_location_fields(data))
    assert carries_location(data, WEBP)


def test_webp_without_location_has_no_gps_or_xmp_fields() -> None:
    assert _location_fields(_scrubbed(located("webp"), WEBP)) == []


def test_webp_without_location_drops_gps_and_city_bytes() -> None:
    out = _scrubbed(located("webp"), WEBP)
    assert not gps_bytes_in(out)
    assert CITY not in out


@pytest.mark.parametrize("lossless", [False, True])
def test_webp_without_location_keeps_pixels_identical(lossless: bool) -> None:
    image = with_metadata(gradient(64, 48, alpha=True), exif=b"Exif\0\0" + tiff(), xmp=XMP)
    data = image.webpsave_buffer(lossless=lossless)
    assert _same_pixels(_scrubbed(data, WEBP), data)


def test_webp_without_location_keeps_orientation() -> None:
    data = located("webp", orientation=6)
    out = _scrubbed(data, WEBP)
    assert decode(out).get("orientation") == 6
    assert _upright_size(out) == _upright_size(data) == (48, 64)


def test_webp_without_location_clears_xmp_flag_and_keeps_exif_flag_for_orientation() -> None:
    out = _scrubbed(located("webp", orientation=6), WEBP)
    chunks = dict(riff_chunks(out))
    assert b"XMP " not in chunks
    assert chunks[b"VP8X"][0] & 0x0C == 0x08


def test_upright_webp_without_location_clears_exif_flag() -> None:
    out = _scrubbed(located("webp", orientation=1), WEBP)
    chunks = dict(riff_chunks(out))
    assert b"EXIF" not in chunks
    assert chunks[b"VP8X"][0] & 0x0C == 0


def test_webp_without_location_riff_size_matches_its_length() -> None:
    out = _scrubbed(located("webp"), WEBP)
    assert struct.unpack("<I", out[4:8])[0] == len(out) - 8


def test_webp_without_location_keeps_icc_profile() -> None:
    data = with_metadata(gradient(64, 48).icc_transform("p3"), xmp=XMP).webpsave_buffer()
    out = _scrubbed(data, WEBP)
    assert decode(out).get("icc-profile-data") == decode(data).get("icc-profile-data")


def test_animated_webp_without_location_keeps_every_frame() -> None:
    data = with_metadata(frames_of(3, 32, 24), xmp=XMP).webpsave_buffer()
    out = _scrubbed(data, WEBP)
    assert pyvips.Image.new_from_buffer(out, "", n=-1).get("n-pages") == 3
    assert _same_pixels(out, data)


def test_webp_without_metadata_is_returned_as_it_is() -> None:
    data = plain("webp")
    assert without_location(data, WEBP) is data


def test_webp_with_riff_size_past_its_end_cannot_be_scrubbed() -> None:
    data = located("webp")
    assert without_location(data[:-10], WEBP) is None


# --- GIF -----------------------------------------------------------------------------------------


def test_gif_with_xmp_carries_location() -> None:
    assert carries_location(gif_with_xmp(), GIF)


def test_gif_without_location_drops_xmp() -> None:
    out = _scrubbed(gif_with_xmp(), GIF)
    assert CITY not in out
    assert b"XMP DataXMP" not in out


def test_gif_without_location_keeps_pixels_identical() -> None:
    data = gif_with_xmp()
    assert _same_pixels(_scrubbed(data, GIF), data)


def test_animated_gif_without_location_keeps_frames_and_loop() -> None:
    data = gif_with_xmp(frames_of(3, 32, 24))
    out = _scrubbed(data, GIF)
    frames = pyvips.Image.new_from_buffer(out, "", n=-1)
    assert (frames.get("n-pages"), frames.get("loop")) == (3, 0)
    assert _same_pixels(out, data)


def test_gif_without_metadata_is_returned_as_it_is() -> None:
    data = gradient(64, 48).gifsave_buffer(keep="none")
    assert without_location(data, GIF) is data


# --- AVIF/HEIC -----------------------------------------------------------------------------------


def test_avif_cannot_be_scrubbed_here() -> None:
    assert without_location(avif(with_exif=True), AVIF) is None


def test_avif_with_exif_carries_location() -> None:
    assert carries_location(avif(with_exif=True), AVIF)


def test_avif_without_metadata_does_not_carry_location() -> None:
    assert not carries_location(avif(with_exif=False), AVIF)


def test_truncated_avif_carries_location() -> None:
    assert carries_location(avif(with_exif=False)[:40], AVIF)
