"""The BlobStore contract, run against every backend (the ``store`` fixture)."""

from __future__ import annotations

import io
import os
import string
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkroom.errors import Conflict, Invalid, NotFound
from darkroom.storage import BlobStore
from tests.storage._backends import BACKENDS, SMALL_CHUNK

KEY = "blobs/ab/cd/abcd0123"
DATA = b"0123456789abcdefghij"


class Trickle:
    """A stream that returns at most ``step`` bytes per read, like a socket."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = io.BytesIO(data)
        self._step = step

    def read(self, size: int = -1, /) -> bytes:
        return self._data.read(self._step if size < 0 else min(size, self._step))


class Failing:
    """A stream that hands out ``good`` bytes, then fails like a dropped upload."""

    def __init__(self, good: bytes) -> None:
        self._data = io.BytesIO(good)

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._data.read(size)
        if not chunk:
            raise ConnectionResetError("client went away")
        return chunk


def test_store_satisfies_blob_store_protocol(store: BlobStore) -> None:
    assert isinstance(store, BlobStore)


# put / open


def test_put_then_open_returns_same_bytes(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(DATA))

    with store.open(KEY) as file:
        assert file.read() == DATA


def test_put_returns_number_of_bytes_written(store: BlobStore) -> None:
    assert store.put(KEY, io.BytesIO(DATA)) == len(DATA)


def test_put_empty_stream_stores_empty_value(store: BlobStore) -> None:
    assert store.put(KEY, io.BytesIO(b"")) == 0

    assert store.exists(KEY)
    assert store.size(KEY) == 0
    with store.open(KEY) as file:
        assert file.read() == b""


def test_put_short_reads_stores_every_byte(store: BlobStore) -> None:
    assert store.put(KEY, Trickle(DATA, step=3)) == len(DATA)

    with store.open(KEY) as file:
        assert file.read() == DATA


def test_put_existing_key_replaces_whole_value(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(b"a much longer first value"))
    store.put(KEY, io.BytesIO(b"short"))

    with store.open(KEY) as file:
        assert file.read() == b"short"
    assert store.size(KEY) == 5


def test_put_failing_stream_keeps_old_value(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(b"old value"))

    with pytest.raises(ConnectionResetError):
        store.put(KEY, Failing(b"new partial"))

    with store.open(KEY) as file:
        assert file.read() == b"old value"
    assert list(store.keys()) == [KEY]


def test_put_failing_stream_on_new_key_stores_nothing(store: BlobStore) -> None:
    with pytest.raises(ConnectionResetError):
        store.put(KEY, Failing(b"partial"))

    assert not store.exists(KEY)
    assert list(store.keys()) == []


def test_open_during_overwrites_sees_old_or_new_value_whole(store: BlobStore) -> None:
    values = [bytes([letter]) * 2048 for letter in b"AB"]
    store.put(KEY, io.BytesIO(values[0]))
    seen: list[bytes] = []
    done = threading.Event()

    def read_until_done() -> None:
        while not done.is_set():
            with store.open(KEY) as file:
                seen.append(file.read())

    reader = threading.Thread(target=read_until_done)
    reader.start()
    try:
        for round_ in range(20):
            store.put(KEY, io.BytesIO(values[round_ % 2]))
    finally:
        done.set()
        reader.join()

    assert seen
    assert {value for value in seen} <= set(values)


def test_put_concurrent_same_key_leaves_one_complete_value(store: BlobStore) -> None:
    values = [bytes([letter]) * 3000 for letter in b"ABCDEFGH"]
    barrier = threading.Barrier(len(values))

    def write(value: bytes) -> None:
        barrier.wait()
        store.put(KEY, io.BytesIO(value))

    threads = [threading.Thread(target=write, args=(value,)) for value in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with store.open(KEY) as file:
        assert file.read() in values
    assert list(store.keys()) == [KEY]


def test_put_concurrent_distinct_keys_keeps_all(store: BlobStore) -> None:
    keys = [f"blobs/{n % 3}/{n}" for n in range(24)]

    def write(key: str) -> None:
        store.put(key, io.BytesIO(key.encode()))

    threads = [threading.Thread(target=write, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(store.keys()) == sorted(keys)
    for key in keys:
        with store.open(key) as file:
            assert file.read() == key.encode()


# open_range


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, None, DATA),
        (0, len(DATA), DATA),
        (3, 11, DATA[3:11]),
        (5, None, DATA[5:]),
        (0, 1, DATA[:1]),
        (len(DATA) - 1, None, DATA[-1:]),
        (3, len(DATA) + 100, DATA[3:]),
        (7, 7, b""),
        (9, 4, b""),
        (len(DATA), None, b""),
        (len(DATA) + 10, None, b""),
        (len(DATA) + 10, len(DATA) + 20, b""),
    ],
)
def test_open_range_bounds_yield_expected_bytes(
    store: BlobStore, start: int, end: int | None, expected: bytes
) -> None:
    store.put(KEY, io.BytesIO(DATA))

    assert b"".join(store.open_range(KEY, start, end)) == expected


def test_open_range_long_range_yields_bounded_nonempty_chunks(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(DATA))

    chunks = list(store.open_range(KEY, 1, 18))

    assert len(chunks) > 1
    assert all(0 < len(chunk) <= SMALL_CHUNK for chunk in chunks)
    assert b"".join(chunks) == DATA[1:18]


def test_open_range_empty_value_yields_nothing(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(b""))

    assert list(store.open_range(KEY, 0, None)) == []


def test_open_range_negative_start_raises_invalid(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(DATA))

    with pytest.raises(Invalid):
        store.open_range(KEY, -1, None)


# size, exists, delete


def test_size_stored_value_returns_byte_count(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(DATA))

    assert store.size(KEY) == len(DATA)


def test_exists_stored_and_absent_keys_returns_true_then_false(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(DATA))

    assert store.exists(KEY)
    assert not store.exists("blobs/ab/cd/other")
    assert not store.exists("blobs/ab")  # a folder is not a key


def test_delete_stored_key_removes_it(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(DATA))

    store.delete(KEY)

    assert not store.exists(KEY)
    assert list(store.keys()) == []
    with pytest.raises(NotFound):
        store.open(KEY)


def test_delete_absent_key_is_noop(store: BlobStore) -> None:
    store.put("blobs/other", io.BytesIO(DATA))

    store.delete(KEY)
    store.delete(KEY)
    store.delete("blobs")  # a folder of a key, not a key

    assert list(store.keys()) == ["blobs/other"]


# keys


FILLED_KEYS = [
    "blobs/ab/cd/abcd1",
    "blobs/ab/ce/abce2",
    "blobs/ff/00/ff003",
    "top",
    "variants/abc/w100.jpg",
    "variants/abd/w100.jpg",
]


@pytest.fixture
def filled(store: BlobStore) -> BlobStore:
    for key in FILLED_KEYS:
        store.put(key, io.BytesIO(key.encode()))
    return store


def test_keys_empty_store_yields_nothing(store: BlobStore) -> None:
    assert list(store.keys()) == []


def test_keys_without_prefix_yields_every_key(filled: BlobStore) -> None:
    assert sorted(filled.keys()) == FILLED_KEYS


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("blobs/", ["blobs/ab/cd/abcd1", "blobs/ab/ce/abce2", "blobs/ff/00/ff003"]),
        ("blobs/ab/", ["blobs/ab/cd/abcd1", "blobs/ab/ce/abce2"]),
        ("blobs/ab/c", ["blobs/ab/cd/abcd1", "blobs/ab/ce/abce2"]),
        ("blobs/ab/cd/abcd1", ["blobs/ab/cd/abcd1"]),
        ("variants/ab", ["variants/abc/w100.jpg", "variants/abd/w100.jpg"]),
        ("variants/abc", ["variants/abc/w100.jpg"]),
        ("to", ["top"]),
        ("blobs/zz/", []),
        ("nothing", []),
    ],
)
def test_keys_with_prefix_yields_only_matching_keys(
    filled: BlobStore, prefix: str, expected: list[str]
) -> None:
    assert sorted(filled.keys(prefix)) == expected


@pytest.mark.parametrize("prefix", ["/", "/blobs", "../", "blobs/../", "a//", "a\\b", "blobs/a b"])
def test_keys_bad_prefix_raises_invalid(store: BlobStore, prefix: str) -> None:
    with pytest.raises(Invalid):
        store.keys(prefix)


# absent keys

READERS: dict[str, Callable[[BlobStore, str], object]] = {
    "open": lambda store, key: store.open(key),
    "open_range": lambda store, key: store.open_range(key, 0, None),
    "open_range_empty": lambda store, key: store.open_range(key, 5, 5),
    "size": lambda store, key: store.size(key),
}


@pytest.mark.parametrize("method", sorted(READERS))
@pytest.mark.parametrize("key", [KEY, "blobs/ab", "blobs/file/below"])
def test_read_absent_key_raises_not_found(store: BlobStore, method: str, key: str) -> None:
    store.put(KEY, io.BytesIO(DATA))
    store.delete(KEY)
    store.put("blobs/ab/cd/other", io.BytesIO(DATA))
    store.put("blobs/file", io.BytesIO(DATA))

    with pytest.raises(NotFound) as caught:
        READERS[method](store, key)  # raised by the call, before any chunk is read

    assert caught.value.entity == "blob"
    assert caught.value.key == key


# bad keys and layout conflicts

BAD_KEYS = [
    "",
    "/etc/passwd",
    "/abs",
    "..",
    "../escape",
    "blobs/../../escape",
    "blobs/./x",
    ".",
    "a//b",
    "a/",
    "a\\b",
    "..\\escape",
    "a b",
    "naïve",
    "a\x00b",
    "a:b",
    "~/x",
    ".tmp/x",
    ".hidden",
    "blobs/.hidden",
    "x" * 256,
    "a/" * 600 + "a",
]

OPERATIONS: dict[str, Callable[[BlobStore, str], object]] = {
    "put": lambda store, key: store.put(key, io.BytesIO(DATA)),
    "open": lambda store, key: store.open(key),
    "open_range": lambda store, key: store.open_range(key, 0, None),
    "size": lambda store, key: store.size(key),
    "exists": lambda store, key: store.exists(key),
    "delete": lambda store, key: store.delete(key),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("key", BAD_KEYS)
def test_operation_bad_key_raises_invalid(store: BlobStore, operation: str, key: str) -> None:
    with pytest.raises(Invalid):
        OPERATIONS[operation](store, key)

    assert list(store.keys()) == []


@pytest.mark.parametrize(
    "key",
    ["a", "blobs/ab/cd/" + "e3b0c442" * 8, "variants/abc/w200-h100_q80.jpg", "A.B-c_d", "x" * 255],
)
def test_put_good_key_round_trips(store: BlobStore, key: str) -> None:
    store.put(key, io.BytesIO(DATA))

    assert list(store.keys()) == [key]
    assert store.size(key) == len(DATA)


def test_put_key_under_existing_key_raises_conflict(store: BlobStore) -> None:
    store.put("blobs/ab", io.BytesIO(DATA))

    with pytest.raises(Conflict):
        store.put("blobs/ab/cd", io.BytesIO(b"other"))

    assert list(store.keys()) == ["blobs/ab"]


def test_put_key_over_existing_folder_raises_conflict(store: BlobStore) -> None:
    store.put("blobs/ab/cd", io.BytesIO(DATA))

    with pytest.raises(Conflict):
        store.put("blobs/ab", io.BytesIO(b"other"))
    with pytest.raises(Conflict):
        store.put("blobs", io.BytesIO(b"other"))

    assert list(store.keys()) == ["blobs/ab/cd"]


def test_put_key_over_folder_emptied_by_delete_succeeds(store: BlobStore) -> None:
    store.put("blobs/ab/cd/ef", io.BytesIO(DATA))
    store.delete("blobs/ab/cd/ef")

    store.put("blobs/ab", io.BytesIO(b"now a key"))

    assert list(store.keys()) == ["blobs/ab"]
    assert store.size("blobs/ab") == len(b"now a key")


# arbitrary keys

KEYISH = st.one_of(
    st.text(),
    st.text(alphabet="ab./\\-_ ~:%"),
    st.text(alphabet=string.ascii_letters + string.digits + "._-/", min_size=1),
    st.lists(st.sampled_from(["a", "b9", "..", ".", "", ".tmp", "-x", "_", "\\", "%2e"])).map(
        "/".join
    ),
)


def _files_under(top: Path) -> Iterator[Path]:
    for folder, _, files in os.walk(top):
        for name in files:
            yield Path(folder) / name


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@settings(max_examples=150, deadline=None)
@given(key=KEYISH)
def test_put_arbitrary_key_round_trips_or_raises_invalid(backend: str, key: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        jail = Path(scratch) / "jail"
        store = BACKENDS[backend](jail)
        root = jail / "root"
        try:
            store.put(key, io.BytesIO(b"payload"))
        except Invalid:
            assert list(store.keys()) == []
        else:
            assert list(store.keys()) == [key]
            with store.open(key) as file:
                assert file.read() == b"payload"
        for path in _files_under(Path(scratch)):
            assert path.is_relative_to(root)
            assert not path.is_relative_to(root / ".tmp")
