from __future__ import annotations

from pathlib import Path

import pytest

from darkroom.errors import TooLarge
from darkroom.media import Limits
from darkroom.media._gif import is_truncated, logical_screen
from darkroom.media.probe import probe
from tests import images as samples
from tests.media.conftest import ImageWriter


def test_is_truncated_whole_gif_returns_false(write_image: ImageWriter) -> None:
    assert not is_truncated(write_image("gif", 40, 40, frames=3).read_bytes())


def test_is_truncated_gif_without_trailer_returns_false(write_image: ImageWriter) -> None:
    data = write_image("gif", 40, 40, frames=3).read_bytes()
    assert data.endswith(b";")
    assert not is_truncated(data[:-1])


def test_is_truncated_gif_cut_inside_a_frame_returns_true(write_image: ImageWriter) -> None:
    data = write_image("gif", 40, 40).read_bytes()
    assert all(is_truncated(data[:end]) for end in range(len(data) - 3, len(data) // 2, -5))


def test_is_truncated_header_only_returns_true() -> None:
    assert is_truncated(b"GIF89a\x10\x00")


def test_gif_with_huge_logical_screen_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "screen.gif"
    path.write_bytes(samples.gif_on_screen(65535, 65535))
    with pytest.raises(TooLarge) as refused:
        probe(path, Limits())
    assert refused.value.field == "image"
    assert "65535x65535" in refused.value.message


def test_gif_screen_over_the_pixel_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "screen.gif"
    path.write_bytes(samples.gif_on_screen(12_000, 12_000))  # each side allowed, the area not
    with pytest.raises(TooLarge, match="pixel limit"):
        probe(path, Limits())


def test_gif_with_a_screen_within_limits_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "screen.gif"
    path.write_bytes(samples.gif_on_screen(300, 200))
    info = probe(path, Limits())
    assert (info.format, info.frames) == ("gif", 1)


def test_logical_screen_reads_the_little_endian_sides() -> None:
    assert logical_screen(samples.gif_on_screen(258, 3)) == (258, 3)
    assert logical_screen(b"GIF8") == (0, 0)
