"""An in-memory blob store: a test double that ships with the product (like MockTransport).

It follows the same key rules and layout rules as the local store, so code tested against it
behaves the same on disk. Values live in a dict guarded by a lock; ``put`` reads the whole
stream before publishing, so readers never see a partial value.
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from darkroom.errors import Conflict, NotFound
from darkroom.storage.base import (
    DEFAULT_CHUNK_SIZE,
    Readable,
    check_key,
    check_prefix,
    check_range,
)


class MemoryStore:
    """A thread-safe ``BlobStore`` backed by a dict; empty when created."""

    def __init__(self, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        self._chunk_size = chunk_size
        self._lock = threading.Lock()
        self._blobs: dict[str, bytes] = {}
        self._folders: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"MemoryStore(<{len(self._blobs)} keys>)"

    def put(self, key: str, stream: Readable) -> int:
        check_key(key)
        with self._lock:
            self._check_layout(key)
        buffer = bytearray()
        while chunk := stream.read(self._chunk_size):
            buffer += chunk
        data = bytes(buffer)
        with self._lock:
            self._check_layout(key)
            if key not in self._blobs:
                self._folders.update(_folders_of(key))
            self._blobs[key] = data
        return len(data)

    def open(self, key: str) -> BinaryIO:
        return io.BytesIO(self._get(key))

    def open_range(self, key: str, start: int, end: int | None) -> Iterator[bytes]:
        check_range(start, end)
        data = self._get(key)
        stop = len(data) if end is None else min(end, len(data))
        return (
            data[offset : min(offset + self._chunk_size, stop)]
            for offset in range(start, stop, self._chunk_size)
        )

    def size(self, key: str) -> int:
        return len(self._get(key))

    def local_path(self, key: str) -> Path | None:
        return None

    def presigned_url(self, key: str, seconds: int) -> str | None:
        return None

    def exists(self, key: str) -> bool:
        check_key(key)
        with self._lock:
            return key in self._blobs

    def delete(self, key: str) -> None:
        check_key(key)
        with self._lock:
            if self._blobs.pop(key, None) is None:
                return
            for folder in _folders_of(key):
                self._folders[folder] -= 1
                if not self._folders[folder]:
                    del self._folders[folder]

    def keys(self, prefix: str = "") -> Iterator[str]:
        check_prefix(prefix)
        with self._lock:
            snapshot = [key for key in self._blobs if key.startswith(prefix)]
        return iter(snapshot)

    def _get(self, key: str) -> bytes:
        check_key(key)
        with self._lock:
            data = self._blobs.get(key)
        if data is None:
            raise NotFound("blob", key)
        return data

    def _check_layout(self, key: str) -> None:
        """Refuse a key that is another key's folder, or lives in another key's "folder"."""
        if key in self._folders:
            raise Conflict(f"blob key {key!r} is a folder of other keys", key=key)
        for folder in _folders_of(key):
            if folder in self._blobs:
                raise Conflict(f"blob key {key!r} is under the existing key {folder!r}", key=key)


def _folders_of(key: str) -> Iterator[str]:
    """The folders a key lives in: ``"a/b/c"`` gives ``"a"`` and ``"a/b"``."""
    end = key.find("/")
    while end != -1:
        yield key[:end]
        end = key.find("/", end + 1)
