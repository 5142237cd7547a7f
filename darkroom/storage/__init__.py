"""Blob storage: a small ``BlobStore`` interface with local-directory, in-memory and S3 backends.

Pick a backend with :func:`open_store` from ``DARKROOM_STORAGE_URL``; see
:mod:`darkroom.storage.base` for the contract and the key rules.
"""

from typing import TYPE_CHECKING

from darkroom.storage.base import BlobStore, Readable, StorageError, check_key
from darkroom.storage.local import LocalStore
from darkroom.storage.memory import MemoryStore
from darkroom.storage.urls import open_store

if TYPE_CHECKING:
    from darkroom.storage.s3 import S3Store

__all__ = [
    "BlobStore",
    "LocalStore",
    "MemoryStore",
    "Readable",
    "S3Store",
    "StorageError",
    "check_key",
    "open_store",
]


def __getattr__(name: str) -> object:
    # S3Store imports boto3 (~0.2 s), so only when asked for.
    if name == "S3Store":
        from darkroom.storage.s3 import S3Store

        return S3Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
