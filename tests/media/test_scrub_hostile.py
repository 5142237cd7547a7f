"""The scrubber on untrusted bytes: well-formed files of any block mix come out scrubbed with
their pixels and orientation intact; broken ones never make it raise, loop or grow."""

from __future__ import annotations

import functools
import struct

import pyvips
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from darkroom.media._container import MAX_BLOCKS
from darkroom.media.formats import ImageFormat
from darkroom.media.scrub import carries_location, without_location
from tests.media.conftest import decode, frames_of
from tests.media.located import (
    IPTC,
    XMP,
    avif,
    gif_application,
    gif_with_xmp,
    jpeg_segment,
    located,
    plain,
    png_chunk,
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
_PROPERTY = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)


def _decodes_to(data: bytes) -> tuple[tuple[int, int], object] | None:
    """The upright size and every frame's pixels of ``data``, or None if libvips refuses it."""
    try:
        pages = {"n": -1} if "n-pages" in decode(data).get_fields() else {}
        image = pyvips.Image.new_from_buffer(data, "", fail=True, **pages)
        upright = image.autorot()
        return (upright.width, upright.height), image.write_to_memory()
    except pyvips.Error:
        return None


# --- Well-formed files with any mix of blocks ----------------------------------------------------

_EXIF = st.one_of(
    st.builds(
        lambda orientation, gps, little: tiff(orientation=orientation, gps=gps, little=little),
        st.integers(0, 9),
        st.booleans(),
        st.booleans(),
    ),
    st.binary(max_size=40),
)
_PREFIX = st.sampled_from([b"", b"Exif\0\0"])


@functools.cache
def _plain(fmt: str) -> bytes:
    return plain(fmt, width=16, height=8)


def _trailers() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.just(b""), st.binary(max_size=16), st.just(located("jpeg", width=8, height=8))
    )


@st.composite
def _jpegs(draw: st.DrawFn) -> bytes:
    others = draw(
        st.lists(
            st.one_of(
                st.just(jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + XMP)),
                st.just(jpeg_segment(0xED, IPTC)),
                st.builds(
                    jpeg_segment,
                    st.sampled_from([*range(0xE2, 0xF0), 0xFE]),
                    st.binary(max_size=24),
                ),
                st.just(b"\xff\xff\xff"),  # fill bytes, then the next marker
            ),
            max_size=5,
        )
    )
    exif = draw(st.lists(_EXIF.map(lambda t: jpeg_segment(0xE1, b"Exif\0\0" + t)), max_size=1))
    segments = draw(st.permutations(others + exif))
    # Some go after the scan, before the end of image, where decoders no longer read metadata.
    cut = draw(st.integers(0, len(segments)))
    base = _plain("jpeg")
    head, tail = b"".join(segments[:cut]), b"".join(segments[cut:])
    return base[:2] + head + base[2:-2] + tail + base[-2:] + draw(_trailers())


@st.composite
def _pngs(draw: st.DrawFn) -> bytes:
    text = st.builds(
        lambda kind, keyword, body: png_chunk(kind, keyword + b"\0" + body),
        st.sampled_from([b"tEXt", b"zTXt", b"iTXt"]),
        st.sampled_from([b"Title", b"XML:com.adobe.xmp", b"Raw profile type iptc"]),
        st.binary(max_size=24),
    )
    others = draw(
        st.lists(
            st.one_of(
                text,
                st.builds(
                    png_chunk, st.sampled_from([b"tIME", b"caBX", b"prVt"]), st.binary(max_size=16)
                ),
            ),
            max_size=4,
        )
    )
    exif = draw(
        st.lists(st.builds(lambda p, t: png_chunk(b"eXIf", p + t), _PREFIX, _EXIF), max_size=1)
    )
    chunks = draw(st.permutations(others + exif))
    # Some go after IDAT, where decoders no longer read an orientation.
    cut = draw(st.integers(0, len(chunks)))
    head, tail = b"".join(chunks[:cut]), b"".join(chunks[cut:])
    ihdr_end, base = 8 + 12 + 13, _plain("png")
    return base[:ihdr_end] + head + base[ihdr_end:-12] + tail + base[-12:] + draw(_trailers())


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + b"\0" * (len(body) & 1)


@st.composite
def _webps(draw: st.DrawFn) -> bytes:
    image = _plain("webp")[12:]  # the VP8 chunk of a simple file
    others = draw(
        st.lists(
            st.one_of(
                st.just(_riff_chunk(b"XMP ", XMP)),
                st.builds(_riff_chunk, st.just(b"prVt"), st.binary(max_size=15)),
            ),
            max_size=3,
        )
    )
    exif = draw(
        st.lists(st.builds(lambda p, t: _riff_chunk(b"EXIF", p + t), _PREFIX, _EXIF), max_size=1)
    )
    chunks = draw(st.permutations([image, *others, *exif]))
    flags = draw(st.sampled_from([0x00, 0x04, 0x08, 0x0C]))  # EXIF and XMP, true or not
    canvas = (16 - 1).to_bytes(3, "little") + (8 - 1).to_bytes(3, "little")
    body = b"WEBP" + _riff_chunk(b"VP8X", bytes((flags, 0, 0, 0)) + canvas) + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body + draw(_trailers())


@st.composite
def _gifs(draw: st.DrawFn) -> bytes:
    base = gif_with_xmp(frames_of(2, 8, 8))
    comment = st.binary(min_size=1, max_size=40).map(
        lambda b: b"\x21\xfe" + bytes((len(b),)) + b + b"\0"
    )
    application = st.builds(
        gif_application, st.sampled_from([b"XMP DataXMP", b"ACMEACME1.0"]), st.binary(max_size=40)
    )
    blocks = draw(st.lists(st.one_of(comment, application), max_size=3))
    packed = base[10]
    end = 13 + (3 * (1 << ((packed & 7) + 1)) if packed & 0x80 else 0)
    return base[:end] + b"".join(blocks) + base[end:-1] + base[-1:] + draw(_trailers())


_WELL_FORMED = st.one_of(
    _jpegs().map(lambda d: (JPEG, d)),
    _pngs().map(lambda d: (PNG, d)),
    _webps().map(lambda d: (WEBP, d)),
    _gifs().map(lambda d: (GIF, d)),
)


@_PROPERTY
@given(_WELL_FORMED)
def test_well_formed_file_can_be_scrubbed(case: tuple[ImageFormat, bytes]) -> None:
    fmt, data = case
    assert without_location(data, fmt) is not None


@_PROPERTY
@given(_WELL_FORMED)
def test_scrubbed_well_formed_file_carries_no_location(case: tuple[ImageFormat, bytes]) -> None:
    fmt, data = case
    out = without_location(data, fmt)
    assert out is not None and not carries_location(out, fmt)


@_PROPERTY
@given(_WELL_FORMED)
def test_scrubbed_well_formed_file_decodes_to_the_same_upright_pixels(
    case: tuple[ImageFormat, bytes],
) -> None:
    fmt, data = case
    before = _decodes_to(data)
    out = without_location(data, fmt)
    assert out is not None
    assert before is None or _decodes_to(out) == before


# --- Broken files: valid ones mutated ------------------------------------------------------------


@functools.cache
def _corpus() -> list[tuple[ImageFormat, bytes]]:
    """Valid files that exercise every walker's branches: the mutations start from these."""
    return [
        (JPEG, located("jpeg", orientation=6, width=16, height=8)),
        (
            JPEG,
            plain("jpeg", width=16, height=8, interlace=True) + located("jpeg", width=8, height=8),
        ),
        (PNG, located("png", orientation=6, width=16, height=8)),
        (WEBP, located("webp", orientation=6, width=16, height=8)),
        (WEBP, with_metadata(frames_of(2, 8, 8), xmp=XMP).webpsave_buffer()),
        (GIF, gif_with_xmp(frames_of(2, 8, 8))),
        (AVIF, avif(with_exif=True)),
    ]


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[ImageFormat, bytes]:
    """A corpus file with a few bytes changed, inserted or deleted, or cut short."""
    fmt, original = draw(st.sampled_from(_corpus()))
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 3))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        edit = draw(st.sampled_from(["set", "set", "insert", "delete", "truncate"]))
        if edit == "set":
            data[pos] = draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFF, pos % 256]))
        elif edit == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=12))
        elif edit == "delete":
            del data[pos : pos + draw(st.integers(1, 32))]
        else:
            del data[pos:]
    return fmt, bytes(data)


_HOSTILE = settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)


@_HOSTILE
@given(_mutated())
def test_without_location_of_mutated_file_returns_bytes_or_none(
    case: tuple[ImageFormat, bytes],
) -> None:
    fmt, data = case
    assert isinstance(without_location(data, fmt), bytes | None)


@_HOSTILE
@given(_mutated())
def test_carries_location_of_mutated_file_returns_a_bool(case: tuple[ImageFormat, bytes]) -> None:
    fmt, data = case
    assert isinstance(carries_location(data, fmt), bool)


@_HOSTILE
@given(st.one_of(_mutated(), _WELL_FORMED))
def test_without_location_is_never_more_than_a_few_bytes_longer(
    case: tuple[ImageFormat, bytes],
) -> None:
    fmt, data = case
    out = without_location(data, fmt)
    assert out is None or len(out) <= len(data) + 64


@_HOSTILE
@given(_mutated())
def test_without_location_of_mutated_file_carries_no_location(
    case: tuple[ImageFormat, bytes],
) -> None:
    fmt, data = case
    out = without_location(data, fmt)
    assert out is None or not carries_location(out, fmt)


@_HOSTILE
@given(st.one_of(_mutated(), _WELL_FORMED))
def test_without_location_twice_changes_nothing_more(case: tuple[ImageFormat, bytes]) -> None:
    fmt, data = case
    out = without_location(data, fmt)
    assert out is None or without_location(out, fmt) is out


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([JPEG, PNG, WEBP, GIF, AVIF]), st.binary(max_size=256))
def test_arbitrary_bytes_never_raise(fmt: ImageFormat, data: bytes) -> None:
    assert isinstance(carries_location(data, fmt), bool)
    assert isinstance(without_location(data, fmt), bytes | None)


def test_bytes_of_another_format_cannot_be_scrubbed() -> None:
    assert without_location(plain("png"), JPEG) is None


def test_jpeg_of_fill_bytes_only_cannot_be_scrubbed() -> None:
    assert without_location(b"\xff\xd8" + b"\xff" * 1_000_000, JPEG) is None


def test_jpeg_of_more_segments_than_any_writer_makes_cannot_be_scrubbed() -> None:
    base = plain("jpeg")
    data = base[:2] + jpeg_segment(0xFE, b"") * (MAX_BLOCKS + 1) + base[2:]
    assert without_location(data, JPEG) is None
    assert carries_location(data, JPEG)


def test_png_of_more_chunks_than_any_writer_makes_cannot_be_scrubbed() -> None:
    base = plain("png")
    data = base[:33] + png_chunk(b"prVt", b"") * (MAX_BLOCKS + 1) + base[33:]
    assert without_location(data, PNG) is None


def test_avif_of_more_boxes_than_any_writer_makes_carries_location() -> None:
    data = avif(with_exif=False) + b"\0\0\0\x08free" * (MAX_BLOCKS + 1)
    assert carries_location(data, AVIF)
