from __future__ import annotations

import contextlib
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.media._container import Malformed
from darkroom.media._tiff import ExifFacts, facts_of, orientation_block, read_facts
from tests.media.located import tiff


@pytest.mark.parametrize("little", [True, False], ids=["II", "MM"])
def test_read_facts_finds_orientation_and_gps_in_either_byte_order(little: bool) -> None:
    assert read_facts(tiff(orientation=6, little=little)) == ExifFacts(orientation=6, has_gps=True)


def test_read_facts_without_gps_pointer_has_no_gps() -> None:
    assert not read_facts(tiff(gps=False)).has_gps


def test_read_facts_empty_gps_ifd_has_no_gps() -> None:
    block = bytearray(tiff())
    gps_ifd = struct.unpack("<I", block[8 + 2 + 12 + 8 : 8 + 2 + 12 + 12])[0]
    block[gps_ifd : gps_ifd + 2] = b"\0\0"
    assert not read_facts(bytes(block)).has_gps


def test_read_facts_gps_pointer_past_the_end_counts_as_gps() -> None:
    block = bytearray(tiff(gps=True))
    block[8 + 2 + 12 + 8 : 8 + 2 + 12 + 12] = struct.pack("<I", 10_000)
    assert read_facts(bytes(block)).has_gps


@pytest.mark.parametrize("orientation", [0, 9, 65535])
def test_read_facts_orientation_out_of_range_is_upright(orientation: int) -> None:
    assert read_facts(tiff(orientation=orientation)).orientation == 1


def test_read_facts_ifd_past_the_end_is_malformed() -> None:
    with pytest.raises(Malformed):
        read_facts(tiff()[:20])


def test_facts_of_skips_jpeg_prefix() -> None:
    assert facts_of(b"Exif\0\0" + tiff(orientation=3)).orientation == 3


def test_facts_of_unreadable_block_counts_as_upright_with_gps() -> None:
    assert facts_of(b"not exif") == ExifFacts(orientation=1, has_gps=True)


@pytest.mark.parametrize("orientation", range(2, 9))
def test_orientation_block_reads_back_as_that_orientation_without_gps(orientation: int) -> None:
    block = orientation_block(orientation)
    assert block is not None
    assert read_facts(block) == ExifFacts(orientation=orientation, has_gps=False)


def test_orientation_block_for_upright_is_none() -> None:
    assert orientation_block(1) is None


@given(st.binary(max_size=128))
def test_read_facts_of_arbitrary_bytes_raises_only_malformed(data: bytes) -> None:
    with contextlib.suppress(Malformed):
        read_facts(data)


@given(st.binary(max_size=128))
def test_facts_of_arbitrary_bytes_never_raises(data: bytes) -> None:
    assert isinstance(facts_of(data), ExifFacts)
