"""What an import reads beside an image: XMP descriptions and Google Takeout sidecars (issue 13)."""

from __future__ import annotations

import json
from contextlib import nullcontext
from typing import IO, cast

from hypothesis import given
from hypothesis import strategies as st

from darkroom.core.importing.metadata import describe, xmp_description
from darkroom.core.importing.sources import Entry

_RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
_DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'


def _packet(body: str) -> bytes:
    return (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {_RDF}>{body}</rdf:RDF></x:xmpmeta>'
    ).encode()


def _entry(siblings: dict[str, bytes]) -> Entry:
    return Entry(
        path="a/IMG_1.jpg",
        name="IMG_1.jpg",
        size=1,
        group="a",
        folder="a",
        open=lambda: nullcontext(cast(IO[bytes], None)),
        sibling=siblings.get,
    )


def test_the_attribute_form_of_dc_description_is_read() -> None:
    packet = _packet(f'<rdf:Description {_DC} dc:description="On the roof"/>')
    assert xmp_description(packet) == "On the roof"


def test_a_description_without_alternatives_is_read() -> None:
    packet = _packet(
        f"<rdf:Description {_DC}><dc:description>Plain</dc:description></rdf:Description>"
    )
    assert xmp_description(packet) == "Plain"


def test_a_packet_declaring_entities_is_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + _packet(f"<rdf:Description {_DC}><dc:description>&b;</dc:description></rdf:Description>")
    )
    assert xmp_description(bomb) is None


@given(st.binary(max_size=300))
def test_any_bytes_give_a_description_or_none_and_never_raise(data: bytes) -> None:
    found = xmp_description(data)
    assert found is None or isinstance(found, str)


def test_takeout_writes_zero_zero_for_no_position() -> None:
    takeout = {"title": "IMG_1.jpg", "geoData": {"latitude": 0.0, "longitude": 0.0}}
    described = describe(_entry({"IMG_1.jpg.json": json.dumps(takeout).encode()}))
    assert (described.gps_lat, described.gps_long) == (None, None)


def test_takeout_s_newer_sidecar_name_is_read() -> None:
    takeout = {"title": "Roof.jpg", "description": "Roof"}
    described = describe(
        _entry({"IMG_1.jpg.supplemental-metadata.json": json.dumps(takeout).encode()})
    )
    assert (described.name, described.description) == ("Roof.jpg", "Roof")


def test_a_json_file_that_is_no_known_sidecar_is_ignored() -> None:
    described = describe(_entry({"IMG_1.jpg.json": b'{"anything": 1}'}))
    assert (described.name, described.description) == ("IMG_1.jpg", None)


def test_an_xmp_sidecar_named_after_the_stem_is_read() -> None:
    packet = _packet(f'<rdf:Description {_DC} dc:description="Stem"/>')
    assert describe(_entry({"IMG_1.xmp": packet})).description == "Stem"
