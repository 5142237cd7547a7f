"""MemoryStore specifics: values are isolated from the streams and readers around them."""

from __future__ import annotations

import io

from darkroom.storage import MemoryStore


def test_memory_put_source_changed_later_keeps_stored_value() -> None:
    store = MemoryStore()
    source = bytearray(b"original")

    store.put("k", io.BytesIO(source))
    source[:] = b"mutated!"

    with store.open("k") as file:
        assert file.read() == b"original"


def test_memory_open_reader_written_to_keeps_stored_value() -> None:
    store = MemoryStore()
    store.put("k", io.BytesIO(b"original"))

    with store.open("k") as file:
        file.write(b"scribble")

    with store.open("k") as file:
        assert file.read() == b"original"


def test_memory_keys_iterated_while_deleting_yields_snapshot() -> None:
    store = MemoryStore()
    for n in range(5):
        store.put(f"k{n}", io.BytesIO(b"v"))

    listed = []
    for key in store.keys(prefix=""):
        store.delete(key)
        listed.append(key)

    assert sorted(listed) == [f"k{n}" for n in range(5)]
    assert list(store.keys()) == []
