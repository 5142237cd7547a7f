from __future__ import annotations

from darkroom.media._gif import is_truncated
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
