"""Request ids darkroom makes are version 4 UUIDs, as Moov's clients expect, and do not repeat."""

from __future__ import annotations

import uuid

from darkroom.api.common.observe import new_request_id


def test_a_new_request_id_is_a_version_4_uuid() -> None:
    for _ in range(2000):
        made = uuid.UUID(new_request_id())
        assert (made.version, made.variant) == (4, uuid.RFC_4122)


def test_a_new_request_id_is_written_as_uuids_are() -> None:
    text = new_request_id()
    assert text == str(uuid.UUID(text))


def test_new_request_ids_do_not_repeat() -> None:
    assert len({new_request_id() for _ in range(10_000)}) == 10_000
