"""The hostile corpus: every file here must be refused with a domain error, fast and in bounded
memory, never hang and never reach a decoder that is not meant for it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import pyvips

from darkroom.errors import Invalid, TooLarge, Unsupported
from darkroom.media.probe import Limits, probe, verify_decodes
from darkroom.media.render import make_mezzanine
from tests.media.conftest import ImageWriter

MARKUP = b"<html><script>alert(1)</script></html>"


def _refused(path: Path) -> Unsupported:
    with pytest.raises(Unsupported) as caught:
        probe(path, Limits())
    assert caught.value.field == "image"
    return caught.value


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 megapixels of black in a few hundred kilobytes."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    pyvips.Image.black(20000, 20000).pngsave(str(path))
    return path


def test_probe_400_megapixel_png_raises_too_large(huge_png: Path) -> None:
    assert huge_png.stat().st_size < 2_000_000
    with pytest.raises(TooLarge):
        probe(huge_png, Limits())


def test_probe_400_megapixel_png_under_pixel_limit_only_raises_too_large(huge_png: Path) -> None:
    with pytest.raises(TooLarge) as caught:
        probe(huge_png, Limits(max_side=30000))
    assert caught.value.limit == Limits().max_pixels


def test_probe_400_megapixel_png_stays_in_small_memory(huge_png: Path) -> None:
    child = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from darkroom.errors import TooLarge
        from darkroom.media import Limits, probe
        try:
            probe(Path(sys.argv[1]), Limits(max_side=30000))
        except TooLarge:
            # VmHWM: this process image's peak RSS. ru_maxrss would carry the parent's peak,
            # which Linux keeps across exec.
            status = Path("/proc/self/status").read_text()
            print(next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM:")))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", child, str(huge_png)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    max_rss_kib = int(result.stdout.strip())
    assert max_rss_kib < 150 * 1024


def test_verify_decodes_truncated_jpeg_raises_invalid(write_image: ImageWriter) -> None:
    path = write_image("jpeg", 200, 200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(Invalid):
        verify_decodes(path)


def test_probe_html_named_jpg_raises_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"<!doctype html>" + MARKUP)
    _refused(path)


def test_probe_jpeg_with_appended_html_raises_unsupported(write_image: ImageWriter) -> None:
    path = write_image("jpeg")
    path.write_bytes(path.read_bytes() + MARKUP)
    _refused(path)


def test_probe_jpeg_with_html_in_comment_segment_raises_unsupported(
    write_image: ImageWriter, tmp_path: Path
) -> None:
    data = write_image("jpeg").read_bytes()
    comment = b"\xff\xfe" + (len(MARKUP) + 2).to_bytes(2, "big") + MARKUP
    path = tmp_path / "polyglot.jpg"
    path.write_bytes(data[:2] + comment + data[2:])
    assert pyvips.Image.new_from_file(str(path)).avg() >= 0  # still a valid JPEG
    _refused(path)


@pytest.mark.parametrize(
    "markup",
    [b"<SCRIPT src=x>", b"<svg onload=alert(1)>", b"<?php system($_GET[0]); ?>", b"<IFrame src=x>"],
)
def test_probe_png_with_markup_anywhere_raises_unsupported(
    write_image: ImageWriter, markup: bytes
) -> None:
    path = write_image("png")
    data = path.read_bytes()
    path.write_bytes(data[:40] + markup + data[40:])
    _refused(path)


def test_probe_image_with_xmp_packet_is_accepted(write_image: ImageWriter) -> None:
    xmp = (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta><?xpacket end="w"?>'
    )
    path = write_image("jpeg", fields={"xmp-data": xmp})
    assert b"xmpmeta" in path.read_bytes()
    assert probe(path, Limits()).width == 64


def test_probe_svg_with_script_raises_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "logo.svg"
    path.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    _refused(path)


def test_probe_pdf_raises_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    _refused(path)


def test_probe_tiff_raises_unsupported(write_image: ImageWriter) -> None:
    _refused(write_image("tiff"))


def test_probe_bmp_raises_unsupported(tmp_path: Path) -> None:
    header = b"BM" + (58).to_bytes(4, "little") + b"\x00" * 4 + (54).to_bytes(4, "little")
    info = (40).to_bytes(4, "little") + (1).to_bytes(4, "little") * 2 + b"\x01\x00\x18\x00"
    path = tmp_path / "pixel.bmp"
    path.write_bytes(header + info + b"\x00" * 28)
    _refused(path)


def test_probe_empty_file_raises_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    _refused(path)


def test_probe_side_over_max_side_raises_too_large(tmp_path: Path) -> None:
    path = tmp_path / "strip.png"
    pyvips.Image.black(Limits().max_side + 1, 1).pngsave(str(path))
    with pytest.raises(TooLarge) as caught:
        probe(path, Limits())
    assert caught.value.limit == Limits().max_side


def test_probe_gif_with_too_many_frames_raises_too_large(write_image: ImageWriter) -> None:
    path = write_image("gif", 4, 4, frames=Limits().max_frames + 1)
    with pytest.raises(TooLarge) as caught:
        probe(path, Limits())
    assert caught.value.limit == Limits().max_frames


def test_make_mezzanine_markup_free_garbage_after_jpeg_magic_raises_invalid(
    tmp_path: Path,
) -> None:
    path = tmp_path / "noise.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    with pytest.raises(Invalid):
        make_mezzanine(path)
