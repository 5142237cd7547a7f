"""Every BlobStore backend, as a factory from a scratch folder, for the shared contract tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from darkroom.storage import BlobStore, LocalStore, MemoryStore
from tests.storage._s3 import EMULATOR

SMALL_CHUNK = 4
"""Chunk size for stores built here, so a few bytes already span several chunks."""

BACKENDS: dict[str, Callable[[Path], BlobStore]] = {
    "local": lambda scratch: LocalStore(scratch / "root", chunk_size=SMALL_CHUNK),
    "memory": lambda scratch: MemoryStore(chunk_size=SMALL_CHUNK),
    # A fresh bucket on the session's S3 emulator; keys under a prefix, as deployments use it.
    "s3": lambda scratch: EMULATOR.store("darkroom", chunk_size=SMALL_CHUNK),
}
