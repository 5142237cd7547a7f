"""Request ids darkroom makes are UUIDs (Moov documents a UUID in ``x-request-id``) that do not
repeat, in one process or across processes."""

from __future__ import annotations

import os
import uuid

from darkroom.api.common.observe import new_request_id


def test_a_new_request_id_is_a_version_8_uuid() -> None:
    for _ in range(2000):
        made = uuid.UUID(new_request_id())
        assert (made.version, made.variant) == (8, uuid.RFC_4122)


def test_a_new_request_id_is_written_as_uuids_are() -> None:
    text = new_request_id()
    assert text == str(uuid.UUID(text))


def test_new_request_ids_do_not_repeat() -> None:
    assert len({new_request_id() for _ in range(10_000)}) == 10_000


def test_a_forked_process_does_not_repeat_its_parents_ids() -> None:
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its next ids, to the parent
        os.close(reading)
        os.write(writing, " ".join(new_request_id() for _ in range(100)).encode())
        os._exit(0)
    os.close(writing)
    mine = {new_request_id() for _ in range(100)}
    with os.fdopen(reading) as pipe:
        theirs = set(pipe.read().split())
    os.waitpid(child, 0)
    assert len(theirs) == 100
    assert not mine & theirs
