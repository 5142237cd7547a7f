"""Blob storage: a small ``BlobStore`` interface with local-directory and in-memory backends.

Pick a backend with :func:`open_store` from ``DARKROOM_STORAGE_URL``; see
:mod:`darkroom.storage.base` for the contract and the key rules.
"""

from darkroom.storage.base import BlobStore, Readable, check_key, open_store
from darkroom.storage.local import LocalStore
from darkroom.storage.memory import MemoryStore

__all__ = ["BlobStore", "LocalStore", "MemoryStore", "Readable", "check_key", "open_store"]
