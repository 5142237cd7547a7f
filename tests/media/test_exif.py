"""The EXIF reader: the facts of well-formed blocks, and nothing (never an error) from hostile ones.

Well-formed blocks are written by libvips from its ``exif-ifd*`` fields; hostile ones are built
byte by byte, since libvips would rewrite them into well-formed ones on save.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from fractions import Fraction

import pytest
import pyvips
from hypothesis import given
from hypothesis import strategies as st

from darkroom.media._exif import (
    NO_FACTS,
    PhotoFacts,
    coordinate,
    parse_datetime,
    read_exif,
    read_orientation,
)
from tests.images import jpeg_with_exif
from tests.media import located

CAMERA = {
    "exif-ifd0-Make": "FUJIFILM",
    "exif-ifd0-Model": "X-T5",
    "exif-ifd2-LensModel": "XF23mmF1.4 R LM WR",
    "exif-ifd2-ExposureTime": "1/250",
    "exif-ifd2-FNumber": "28/10",
    "exif-ifd2-ISOSpeedRatings": "400",
    "exif-ifd2-FocalLength": "23/1",
}

Entry = tuple[int, int, int, int]  # tag, type, count, value or offset
ASCII, LONG, RATIONAL = 2, 4, 5


def _block_of(fields: dict[str, str]) -> bytes:
    """The raw EXIF block libvips writes for ``fields`` (with JPEG's ``Exif\\0\\0`` prefix)."""
    block = pyvips.Image.new_from_buffer(jpeg_with_exif(fields), "").get("exif-data")
    assert isinstance(block, bytes)
    return block


def _ifd(entries: list[Entry], next_ifd: int = 0) -> bytes:
    body = b"".join(struct.pack("<HHII", *entry) for entry in entries)
    return struct.pack("<H", len(entries)) + body + struct.pack("<I", next_ifd)


def _tiff(*ifd0: Entry, next_ifd: int = 0, tail: bytes = b"") -> bytes:
    """A little-endian TIFF header, IFD0 at offset 8 with ``ifd0``, then ``tail``."""
    return b"II*\0" + struct.pack("<I", 8) + _ifd(list(ifd0), next_ifd) + tail


def test_read_exif_returns_camera_lens_and_exposure() -> None:
    facts = read_exif(_block_of(CAMERA))
    assert (facts.camera_make, facts.camera_model, facts.lens) == (
        "FUJIFILM",
        "X-T5",
        "XF23mmF1.4 R LM WR",
    )
    assert (facts.exposure_time, facts.f_number, facts.iso, facts.focal_length) == (
        pytest.approx(1 / 250),
        pytest.approx(2.8),
        400,
        pytest.approx(23.0),
    )


def test_read_exif_date_time_original_with_offset_is_utc() -> None:
    fields = {
        "exif-ifd2-DateTimeOriginal": "2024:01:02 10:20:30",
        "exif-ifd2-OffsetTimeOriginal": "+02:00",
        "exif-ifd0-DateTime": "2025:05:05 05:05:05",
    }
    assert read_exif(_block_of(fields)).taken_at == datetime(2024, 1, 2, 8, 20, 30, tzinfo=UTC)


def test_read_exif_gps_south_west_gives_negative_coordinates() -> None:
    fields = {
        "exif-ifd3-GPSLatitude": "48/1 51/1 2964/100",
        "exif-ifd3-GPSLatitudeRef": "S",
        "exif-ifd3-GPSLongitude": "2/1 17/1 40/1",
        "exif-ifd3-GPSLongitudeRef": "W",
    }
    facts = read_exif(_block_of(fields))
    assert facts.gps_lat == pytest.approx(-(48 + 51 / 60 + 29.64 / 3600))
    assert facts.gps_long == pytest.approx(-(2 + 17 / 60 + 40 / 3600))


def test_read_exif_without_prefix_reads_the_same_block() -> None:
    block = _block_of(CAMERA)
    assert read_exif(block.removeprefix(b"Exif\0\0")) == read_exif(block)


def test_read_exif_camera_name_loses_control_characters() -> None:
    name = b"Evil\nCam\x1b[31m\0"
    block = _tiff((0x010F, ASCII, len(name), 26), tail=name)
    assert read_exif(block).camera_make == "Evil Cam [31m"


@pytest.mark.parametrize("block", [None, b"", b"not exif at all", b"Exif\0\0", b"II*\0"])
def test_read_exif_of_nothing_returns_no_facts(block: bytes | None) -> None:
    assert read_exif(block) == NO_FACTS


@pytest.mark.parametrize("cut", [10, 30, 60, 100])
def test_read_exif_truncated_block_returns_no_facts(cut: int) -> None:
    assert read_exif(_block_of(CAMERA)[:cut]) == NO_FACTS


def test_read_exif_ifds_pointing_at_each_other_return_no_facts() -> None:
    # IFD0 at 8 points on to IFD1 at 26, which points back to IFD0; both hold an EXIF and a GPS
    # pointer back to IFD0 too.
    loops = [(0x8769, LONG, 1, 8), (0x8825, LONG, 1, 8)]
    block = _tiff(*loops, next_ifd=8 + 2 + 2 * 12 + 4, tail=_ifd(loops, next_ifd=8))
    assert read_exif(block) == NO_FACTS


def test_read_exif_long_chain_of_ifds_returns_no_facts() -> None:
    # 10,000 empty IFDs, each pointing to the next: more than any honest block holds.
    chain = b"".join(struct.pack("<HI", 0, 8 + 6 * (i + 1)) for i in range(10_000))
    assert read_exif(b"II*\0" + struct.pack("<I", 8) + chain) == NO_FACTS


def test_read_exif_entry_count_past_the_end_returns_no_facts() -> None:
    block = b"II*\0" + struct.pack("<IH", 8, 65535) + bytes(100)
    assert read_exif(block) == NO_FACTS


def test_read_exif_giant_value_count_returns_no_facts() -> None:
    block = _tiff((0x010F, ASCII, 0xFFFFFFFF, 0x7FFFFFF0), (0x829A, RATIONAL, 0xFFFFFFFF, 8))
    assert read_exif(block) == NO_FACTS


def test_read_exif_over_its_read_budget_returns_no_facts_at_all() -> None:
    # A real Make, then thousands of entries of 999 rationals each: the reader stops at its
    # budget and keeps nothing, not even the make it had read.
    name = b"Canon\0"
    entries = [(0x010F, ASCII, len(name), 0)] + [(0x829A, RATIONAL, 999, 8)] * 5000
    offset = 8 + 2 + 12 * len(entries) + 4
    entries[0] = (0x010F, ASCII, len(name), offset)
    assert read_exif(_tiff(*entries, tail=name)) == NO_FACTS


@given(st.binary(max_size=512))
def test_read_exif_of_any_bytes_after_a_tiff_header_returns_facts(tail: bytes) -> None:
    assert isinstance(read_exif(b"II*\0" + struct.pack("<I", 8) + tail), PhotoFacts)


def test_read_exif_zero_f_number_and_zero_denominator_are_dropped() -> None:
    rationals = struct.pack("<IIII", 0, 10, 1, 0)  # FNumber 0/10, ExposureTime 1/0
    block = _tiff((0x829D, RATIONAL, 1, 38), (0x829A, RATIONAL, 1, 46), tail=rationals)
    assert (read_exif(block).f_number, read_exif(block).exposure_time) == (None, None)


def test_parse_datetime_without_offset_returns_utc() -> None:
    assert parse_datetime("2024:01:02 10:20:30") == datetime(2024, 1, 2, 10, 20, 30, tzinfo=UTC)


def test_parse_datetime_with_offset_converts_to_utc() -> None:
    parsed = parse_datetime("2024:01:02 10:20:30", "+02:00")
    assert parsed == datetime(2024, 1, 2, 8, 20, 30, tzinfo=UTC)
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "raw",
    [None, "", "    :  :     :  :  ", "0000:00:00 00:00:00", "2024:13:40 10:20:30", "yesterday"],
)
def test_parse_datetime_blank_or_malformed_returns_none(raw: str | None) -> None:
    assert parse_datetime(raw) is None


def test_coordinate_south_returns_negative_degrees() -> None:
    got = coordinate([48, 51, Fraction(2964, 100)], "S", bound=90)
    assert got == pytest.approx(-(48 + 51 / 60 + 29.64 / 3600))


def test_coordinate_east_returns_positive_degrees() -> None:
    assert coordinate([2, 17, 40], "E", bound=180) == pytest.approx(2 + 17 / 60 + 40 / 3600)


@pytest.mark.parametrize("raw", [None, [], [91, 0, 0], [1, 2, 3, 4], "north", [-1, 0, 0]])
def test_coordinate_missing_or_impossible_returns_none(raw: object) -> None:
    assert coordinate(raw, "N", bound=90) is None


def test_read_exif_endless_strings_stop_at_the_byte_budget_in_bounded_memory() -> None:
    import tracemalloc

    # 5,000 camera makes of 4 GB each over 256 KiB without a NUL: each read takes the rest
    # of the block, until the reader's byte budget runs out.
    entries = [(0x010F, ASCII, 0xFFFFFFFF, 8)] * 5000
    block = _tiff(*entries).ljust(256 * 1024, b"A")
    tracemalloc.start()
    try:
        facts = read_exif(block)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert facts == NO_FACTS
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize("little", [True, False])
def test_read_orientation_returns_ifd0_orientation(little: bool) -> None:
    assert read_orientation(b"Exif\0\0" + located.tiff(orientation=6, little=little)) == 6


@pytest.mark.parametrize(
    "block",
    [None, b"", b"II*\0", b"II*\0\xff\xff\xff\xff", located.tiff(orientation=9), b"not tiff"],
)
def test_read_orientation_of_missing_broken_or_impossible_block_returns_1(
    block: bytes | None,
) -> None:
    assert read_orientation(block) == 1
