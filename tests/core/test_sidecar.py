"""The export sidecar: whatever ``dumps`` writes, ``loads`` reads back equal; anything else is
refused with Invalid, never another error (issue 13)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom.core import sidecar
from darkroom.core.sidecar import AlbumFacts, Original, Sidecar
from darkroom.errors import Invalid

_texts = st.text(max_size=40)
_moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts, inner, max_size=3),
    max_leaves=8,
)
_albums = st.builds(
    AlbumFacts,
    kind=st.sampled_from(["gallery", "moov-account", "procore-category", "cyclos-ad"]),
    external_id=st.none() | _texts,
    name=_texts,
    private=st.booleans(),
    position=st.integers(0, 10_000),
    dedupe=st.booleans(),
    max_images=st.none() | st.integers(1, 1000),
    single_slot=st.booleans(),
    max_bytes=st.none() | st.integers(1, 2**40),
    formats=st.none() | st.sampled_from(["jpeg", "jpeg,png", "gif,jpeg,png,webp"]),
    visible_to_guests=st.booleans(),
)
_originals = st.builds(
    Original,
    file=_texts,
    sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
    byte_size=st.integers(1, 2**40),
    format=st.sampled_from(["jpeg", "png", "heic"]),
    width=st.integers(1, 20_000),
    height=st.integers(1, 20_000),
    camera=st.dictionaries(st.sampled_from(["camera_make", "iso"]), _texts | st.integers(0, 10**5)),
)
_sidecars = st.builds(
    Sidecar,
    space=_texts,
    album=_albums,
    position=st.integers(0, 10_000),
    original=_originals,
    uuid=_texts,
    public_id=_texts,
    key=_texts,
    name=_texts,
    description=st.none() | _texts,
    alt_text=st.none() | _texts,
    private=st.booleans(),
    starred=st.booleans(),
    log_date=st.none() | st.dates(),
    taken_at=st.none() | _moments,
    gps_lat=st.none() | st.floats(-90, 90),
    gps_long=st.none() | st.floats(-180, 180),
    location=st.none() | st.lists(_texts, min_size=1, max_size=4).map(tuple),
    trades=st.lists(_texts, max_size=3).map(tuple),
    uploader=st.none() | _texts,
    created_at=st.none() | _moments,
    updated_at=st.none() | _moments,
    extras=st.dictionaries(_texts, _json, max_size=3),
)


@given(_sidecars)
def test_what_dumps_writes_loads_reads_back_equal(written: Sidecar) -> None:
    assert sidecar.loads(sidecar.dumps(written)) == written


@given(st.one_of(st.binary(max_size=200), _json.map(json.dumps).map(str.encode)))
def test_anything_that_is_not_a_sidecar_is_refused_as_invalid(data: bytes) -> None:
    with pytest.raises(Invalid) as refused:
        sidecar.loads(data)
    assert refused.value.field == "sidecar"


@given(_sidecars, st.sampled_from(["album", "original", "space", "position", "uuid"]), _json)
def test_a_damaged_field_is_refused_as_invalid_naming_nothing_else(
    written: Sidecar, damaged: str, value: object
) -> None:
    data = json.loads(sidecar.dumps(written))
    data[damaged] = value
    try:
        read = sidecar.loads(json.dumps(data))
    except Invalid as refused:
        assert refused.field == "sidecar"
    else:  # the value happened to be a valid one
        assert isinstance(read, Sidecar)


def test_times_are_written_in_utc_with_their_offset() -> None:
    moment = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    written = Sidecar(
        space="moov-account:a",
        album=AlbumFacts(kind="gallery", external_id=None),
        position=1,
        original=Original("a.jpg", "0" * 64, 1, "jpeg", 1, 1),
        uuid="u",
        public_id="p",
        key="k.jpg",
        taken_at=moment,
    )
    assert json.loads(sidecar.dumps(written))["taken_at"] == "2024-05-06T07:08:09.123456+00:00"


def test_a_newer_version_is_refused_by_name() -> None:
    with pytest.raises(Invalid, match="version 2"):
        sidecar.loads(json.dumps({sidecar.MARKER: 2}))
