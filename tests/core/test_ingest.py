"""Ingest: stream → cap → sniff → limits → decode check → store → rows, with domain errors."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
import pyvips
from sqlalchemy import func, select

from darkroom.api import vocabulary
from darkroom.core import albums, images
from darkroom.core.access import Scope
from darkroom.core.blobs import blob_key
from darkroom.core.images import NewImage
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.runtime import Runtime
from darkroom.db.models import Album, Blob, Image
from darkroom.errors import Duplicate, Invalid, LimitExceeded, TooLarge, Unsupported
from darkroom.media import ImageFormat
from tests import images as samples


def _album(runtime: Runtime, scope: Scope, kind: AlbumType = vocabulary.PROCORE_CATEGORY) -> Album:
    with runtime.transaction() as session:
        return albums.ensure(session, scope, kind)


def _counts(runtime: Runtime) -> tuple[int, int]:
    with runtime.transaction() as session:
        return (
            session.scalar(select(func.count(Image.id))) or 0,
            session.scalar(select(func.count()).select_from(Blob)) or 0,
        )


def test_ingest_jpeg_stores_blob_and_image_with_probed_size(runtime: Runtime, scope: Scope) -> None:
    album = _album(runtime, scope)
    image = images.ingest(
        runtime, scope, album, io.BytesIO(samples.jpeg(80, 60)), NewImage(name="a.jpg")
    )
    assert (image.width, image.height, image.name) == (80, 60, "a.jpg")
    assert image.blob_sha256 and runtime.store.exists(blob_key(image.blob_sha256))
    assert len(image.public_id) >= 22 and image.key.endswith(".jpg")
    assert _counts(runtime) == (1, 1)


def test_ingest_from_chunk_iterator_equals_file_object(runtime: Runtime, scope: Scope) -> None:
    album = _album(runtime, scope)
    data = samples.png(seed=3)
    chunks = [data[i : i + 100] for i in range(0, len(data), 100)]
    image = images.ingest(runtime, scope, album, iter(chunks), NewImage())
    with runtime.store.open(blob_key(image.blob_sha256)) as stored:
        assert stored.read() == data


def test_ingest_same_bytes_into_dedupe_album_raises_duplicate_naming_first(
    runtime: Runtime, scope: Scope
) -> None:
    album = _album(runtime, scope, vocabulary.MOOV_IMAGES)
    data = samples.jpeg(seed=5)
    first = images.ingest(runtime, scope, album, io.BytesIO(data), NewImage())
    with pytest.raises(Duplicate) as raised:
        images.ingest(runtime, scope, album, io.BytesIO(data), NewImage())
    assert raised.value.existing_id == first.id
    assert _counts(runtime) == (1, 1)


def test_ingest_same_bytes_into_plain_album_shares_one_blob(runtime: Runtime, scope: Scope) -> None:
    album = _album(runtime, scope)
    data = samples.jpeg(seed=6)
    a = images.ingest(runtime, scope, album, io.BytesIO(data), NewImage())
    b = images.ingest(runtime, scope, album, io.BytesIO(data), NewImage())
    assert a.id != b.id and a.blob_sha256 == b.blob_sha256
    assert _counts(runtime) == (2, 1)


def test_ingest_twenty_concurrent_identical_uploads_create_one_image(
    runtime: Runtime, scope: Scope
) -> None:
    album = _album(runtime, scope, vocabulary.MOOV_IMAGES)
    data = samples.jpeg(320, 240, seed=7)

    def upload(_: int) -> str:
        try:
            images.ingest(runtime, scope, album, io.BytesIO(data), NewImage())
        except Duplicate:
            return "duplicate"
        return "created"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(upload, range(20)))
    assert outcomes.count("created") == 1
    assert outcomes.count("duplicate") == 19
    assert _counts(runtime) == (1, 1)


def test_ingest_over_byte_cap_raises_too_large_and_stores_nothing(
    runtime: Runtime, scope: Scope
) -> None:
    album = _album(runtime, scope, AlbumType("tiny", AlbumPolicy(max_bytes=100)))
    with pytest.raises(TooLarge):
        images.ingest(runtime, scope, album, io.BytesIO(samples.jpeg()), NewImage())
    assert _counts(runtime) == (0, 0)


def test_ingest_endless_stream_stops_reading_at_cap(runtime: Runtime, scope: Scope) -> None:
    album = _album(runtime, scope)
    read = 0

    def endless() -> object:
        nonlocal read
        while True:
            read += 65536
            yield b"\xff" * 65536

    with pytest.raises(TooLarge):
        images.ingest(runtime, scope, album, endless(), NewImage())  # type: ignore[arg-type]
    assert read <= runtime.settings.max_upload_bytes + 2 * 65536


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", Unsupported),
        (b"<html><body>not an image</body></html>", Unsupported),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', Unsupported),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", Unsupported),
        (samples.jpeg(seed=8) + b"<html><script>alert(1)</script></html>", Unsupported),
        (samples.jpeg(400, 300, seed=9)[:600], Invalid),
    ],
    ids=["empty", "html", "svg-script", "pdf", "jpeg-html-polyglot", "truncated-jpeg"],
)
def test_ingest_hostile_file_raises_domain_error_and_stores_nothing(
    runtime: Runtime, scope: Scope, data: bytes, error: type[Exception]
) -> None:
    album = _album(runtime, scope)
    with pytest.raises(error):
        images.ingest(runtime, scope, album, io.BytesIO(data), NewImage(name="x.jpg"))
    assert _counts(runtime) == (0, 0)


def test_ingest_decompression_bomb_raises_too_large(
    runtime: Runtime, scope: Scope, tmp_path: object
) -> None:
    bomb = pyvips.Image.black(20000, 20000).pngsave_buffer(compression=9)
    assert len(bomb) < 2 * 1024 * 1024
    with pytest.raises(TooLarge):
        images.ingest(runtime, scope, _album(runtime, scope), io.BytesIO(bomb), NewImage())


def test_ingest_format_outside_allow_list_raises_unsupported(
    runtime: Runtime, scope: Scope
) -> None:
    allowed = frozenset({ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP})
    album = _album(runtime, scope, AlbumType("stills", AlbumPolicy(formats=allowed)))
    with pytest.raises(Unsupported):
        images.ingest(runtime, scope, album, io.BytesIO(samples.gif()), NewImage())


def test_ingest_into_full_album_raises_limit_exceeded(runtime: Runtime, scope: Scope) -> None:
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, AlbumType("small", AlbumPolicy(max_images=2)), "ad1")
    for seed in (1, 2):
        images.ingest(runtime, scope, album, io.BytesIO(samples.jpeg(seed=seed)), NewImage())
    with pytest.raises(LimitExceeded) as raised:
        images.ingest(runtime, scope, album, io.BytesIO(samples.jpeg(seed=3)), NewImage())
    assert raised.value.limit == 2


def test_ingest_into_single_slot_album_replaces_old_image_and_releases_its_blob(
    runtime: Runtime, scope: Scope
) -> None:
    with runtime.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.CYCLOS_CONTACT_INFO, "ci1")
    old = images.ingest(runtime, scope, album, io.BytesIO(samples.jpeg(seed=11)), NewImage())
    new = images.ingest(runtime, scope, album, io.BytesIO(samples.jpeg(seed=12)), NewImage())
    with runtime.transaction() as session:
        assert session.get(Image, old.id) is None
        assert session.get(Image, new.id) is not None
        assert session.get(Blob, old.blob_sha256) is None
    assert not runtime.store.exists(blob_key(old.blob_sha256))


def test_ingest_large_original_gets_mezzanine(runtime: Runtime, scope: Scope) -> None:
    image = images.ingest(
        runtime,
        scope,
        _album(runtime, scope),
        io.BytesIO(samples.jpeg(3000, 200, seed=4)),
        NewImage(),
    )
    with runtime.transaction() as session:
        blob = session.get_one(Blob, image.blob_sha256)
    assert blob.mezzanine_key is not None and runtime.store.exists(blob.mezzanine_key)


def test_ingest_racing_a_purge_of_the_same_bytes_stores_them_again(
    runtime: Runtime, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    from darkroom.core import blobs

    album = _album(runtime, scope)
    data = samples.jpeg(seed=21)
    first = images.ingest(runtime, scope, album, io.BytesIO(data), NewImage())
    with runtime.transaction() as session:
        stale = session.get_one(Blob, first.blob_sha256)
    images.purge(runtime, scope, first.id)  # the blob is released...
    # ...after a concurrent ingest had already decided to reuse it.
    monkeypatch.setattr(blobs, "_known", lambda rt, sha: stale)
    second = images.ingest(runtime, scope, album, io.BytesIO(data), NewImage())
    with runtime.transaction() as session:
        assert session.get(Blob, second.blob_sha256) is not None
    with runtime.store.open(blob_key(second.blob_sha256)) as stored:
        assert stored.read() == data


EXIF = {
    "exif-ifd2-DateTimeOriginal": "2024:01:02 10:20:30",
    "exif-ifd3-GPSLatitude": "48/1 51/1 2964/100",
    "exif-ifd3-GPSLatitudeRef": "N",
    "exif-ifd3-GPSLongitude": "2/1 17/1 40/1",
    "exif-ifd3-GPSLongitudeRef": "E",
}


def test_ingest_records_date_taken_and_gps_from_exif(runtime: Runtime, scope: Scope) -> None:
    from datetime import UTC, datetime

    data = samples.jpeg_with_exif(EXIF)
    image = images.ingest(runtime, scope, _album(runtime, scope), io.BytesIO(data), NewImage())
    assert image.taken_at == datetime(2024, 1, 2, 10, 20, 30, tzinfo=UTC)
    assert image.gps_lat == pytest.approx(48.8582, abs=1e-4)
    assert image.gps_long == pytest.approx(2.2944, abs=1e-4)


def test_ingest_given_date_taken_wins_over_exif(runtime: Runtime, scope: Scope) -> None:
    from datetime import UTC, datetime

    given = datetime(2020, 5, 6, 7, 8, 9, tzinfo=UTC)
    data = samples.jpeg_with_exif(EXIF)
    album = _album(runtime, scope)
    image = images.ingest(runtime, scope, album, io.BytesIO(data), NewImage(taken_at=given))
    assert image.taken_at == given


CAMERA = {
    "exif-ifd0-Make": "SONY",
    "exif-ifd0-Model": "ILCE-7M4",
    "exif-ifd2-LensModel": "FE 35mm F1.8",
    "exif-ifd2-ExposureTime": "1/125",
    "exif-ifd2-FNumber": "18/10",
    "exif-ifd2-ISOSpeedRatings": "800",
    "exif-ifd2-FocalLength": "35/1",
}


def test_ingest_records_camera_lens_and_exposure_on_the_blob(
    runtime: Runtime, scope: Scope
) -> None:
    data = samples.jpeg_with_exif(CAMERA)
    image = images.ingest(runtime, scope, _album(runtime, scope), io.BytesIO(data), NewImage())
    with runtime.transaction() as session:
        blob = session.get_one(Blob, image.blob_sha256)
    assert (blob.camera_make, blob.camera_model, blob.lens) == ("SONY", "ILCE-7M4", "FE 35mm F1.8")
    assert (blob.exposure_time, blob.f_number, blob.iso, blob.focal_length) == (
        pytest.approx(1 / 125),
        pytest.approx(1.8),
        800,
        pytest.approx(35.0),
    )


def test_ingest_stores_a_placeholder_of_the_image_shape(runtime: Runtime, scope: Scope) -> None:
    import base64

    from darkroom.media._thumbhash import decode

    data = samples.jpeg(3000, 2000, seed=5)  # large: the placeholder comes from the mezzanine
    image = images.ingest(runtime, scope, _album(runtime, scope), io.BytesIO(data), NewImage())
    with runtime.transaction() as session:
        placeholder = session.get_one(Blob, image.blob_sha256).placeholder
    assert placeholder is not None
    width, height, _ = decode(base64.b64decode(placeholder))
    assert width / height == pytest.approx(1.5, rel=0.1)
