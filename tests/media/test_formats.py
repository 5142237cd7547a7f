from __future__ import annotations

import pytest

from darkroom.errors import Unsupported
from darkroom.media.formats import SNIFF_BYTES, ImageFormat, sniff
from tests.media.conftest import ImageWriter


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (len(body) + 4).to_bytes(4, "big") + body + b"\x00\x00\x00\x08meta" * 4


@pytest.mark.parametrize(
    ("writer_format", "expected"),
    [
        ("jpeg", ImageFormat.JPEG),
        ("png", ImageFormat.PNG),
        ("webp", ImageFormat.WEBP),
        ("gif", ImageFormat.GIF),
        ("avif", ImageFormat.AVIF),
    ],
)
def test_sniff_encoded_image_returns_its_format(
    write_image: ImageWriter, writer_format: str, expected: ImageFormat
) -> None:
    head = write_image(writer_format).read_bytes()[:SNIFF_BYTES]
    assert sniff(head) is expected


@pytest.mark.parametrize(
    "head",
    [_ftyp(b"heic", b"mif1", b"heic"), _ftyp(b"mif1", b"heix"), _ftyp(b"heis", b"msf1")],
)
def test_sniff_heic_brands_return_heic(head: bytes) -> None:
    assert sniff(head) is ImageFormat.HEIC


def test_sniff_avif_as_compatible_brand_returns_avif() -> None:
    assert sniff(_ftyp(b"mif1", b"miaf", b"avif")) is ImageFormat.AVIF


def test_sniff_short_gif_head_returns_gif() -> None:
    assert sniff(b"GIF89a") is ImageFormat.GIF


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"", id="empty"),
        pytest.param(
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script>", id="svg"
        ),
        pytest.param(b"<?xml version='1.0'?><svg/>", id="svg-xml"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", id="pdf"),
        pytest.param(b"II*\x00\x08\x00\x00\x00", id="tiff-le"),
        pytest.param(b"MM\x00*\x00\x00\x00\x08", id="tiff-be"),
        pytest.param(b"BM6\x00\x00\x00\x00\x00\x00\x006\x00\x00\x00(\x00", id="bmp"),
        pytest.param(b"<!DOCTYPE html><html><body>hi</body></html>", id="html"),
        pytest.param(b"RIFF\x24\x00\x00\x00WAVEfmt ", id="riff-wave"),
        pytest.param(_ftyp(b"mif1", b"miaf"), id="heif-without-codec-brand"),
        pytest.param(_ftyp(b"isom", b"mp41"), id="mp4"),
        pytest.param(b"\xff\xd8", id="jpeg-soi-only"),
    ],
)
def test_sniff_non_image_raises_unsupported(head: bytes) -> None:
    with pytest.raises(Unsupported) as caught:
        sniff(head)
    assert caught.value.field == "image"


@pytest.mark.parametrize(
    ("fmt", "mime_type", "extension"),
    [
        (ImageFormat.JPEG, "image/jpeg", "jpg"),
        (ImageFormat.PNG, "image/png", "png"),
        (ImageFormat.WEBP, "image/webp", "webp"),
        (ImageFormat.GIF, "image/gif", "gif"),
        (ImageFormat.AVIF, "image/avif", "avif"),
        (ImageFormat.HEIC, "image/heic", "heic"),
    ],
)
def test_image_format_names_mime_type_and_extension(
    fmt: ImageFormat, mime_type: str, extension: str
) -> None:
    assert (fmt.mime_type, fmt.extension) == (mime_type, extension)
