"""The fast lane shows a door's translation only the headers its route declares, since what it
made of a request is remembered under exactly those (and the path and query)."""

from __future__ import annotations

from darkroom.api.common.conditions import Conditions
from darkroom.api.common.lane import LaneRoute, _split


def test_translation_sees_only_the_headers_its_route_reads() -> None:
    route = LaneRoute("/images/{public_id}", lambda *_: None, reads=frozenset({"accept"}))
    headers = [
        (b"host", b"example.test"),
        (b"accept", b"image/webp"),
        (b"authorization", b"Basic c2VjcmV0"),
        (b"if-none-match", b'"abc"'),
    ]
    read, conditions = _split(headers, route.raw_reads)
    assert read == ((b"accept", b"image/webp"),)
    assert conditions == Conditions(if_none_match='"abc"')


def test_repeated_headers_are_kept_in_order() -> None:
    headers = [(b"accept", b"image/avif"), (b"range", b"bytes=0-1"), (b"accept", b"image/webp")]
    read, conditions = _split(headers, frozenset({b"accept"}))
    assert read == ((b"accept", b"image/avif"), (b"accept", b"image/webp"))
    assert conditions == Conditions(range="bytes=0-1")


def test_the_first_of_a_repeated_condition_counts() -> None:
    headers = [(b"if-none-match", b'"a"'), (b"if-none-match", b'"b"')]
    _read, conditions = _split(headers, frozenset())
    assert conditions.if_none_match == '"a"'


def test_a_request_without_conditions_asks_for_the_current_bytes() -> None:
    _read, conditions = _split([(b"host", b"example.test")], frozenset())
    assert conditions == Conditions()
