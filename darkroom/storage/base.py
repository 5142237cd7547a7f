"""The blob store contract, key rules and the factory that picks a backend from a URL.

A blob store maps keys to immutable-looking byte strings. Keys are relative, ``/``-separated
strings such as ``blobs/ab/cd/<sha256>`` or ``variants/<sha256>/<spec>.jpg``; every backend
accepts exactly the keys :func:`check_key` accepts, so code tested against
:class:`~darkroom.storage.memory.MemoryStore` behaves the same on disk and on S3.

Errors (from :mod:`darkroom.errors`):

- ``NotFound("blob", key)``: ``open``, ``open_range`` and ``size`` on an absent key.
- ``Invalid``: a key or prefix breaking the rules below, or a negative range start.
- ``Conflict``: a key that would be both a blob and a folder (``a`` and ``a/b``); a
  directory tree cannot hold both, so no backend accepts both.

And from the backend itself, when it fails for reasons that are no caller's fault (a full
disk, an unreachable or refusing S3 endpoint, a missing bucket): ``OSError``, of which
:class:`StorageError` is the kind remote backends raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from darkroom.errors import Invalid

MAX_KEY_LENGTH = 1024
"""Longest key accepted, in characters (S3's limit in bytes; keys are ASCII)."""

MAX_SEGMENT_LENGTH = 255
"""Longest ``/``-separated part of a key (the usual file name limit)."""

DEFAULT_CHUNK_SIZE = 64 * 1024
"""Bytes per read when copying into a store and per chunk yielded by ``open_range``."""

_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_PREFIX_TAIL = re.compile(r"[A-Za-z0-9._-]*")


class StorageError(OSError):
    """A remote backend failed: unreachable, refusing access, misconfigured or broken.

    ``code`` is the backend's own error code when it gave one (S3's ``NoSuchBucket``,
    ``AccessDenied``, ...). Messages name no credentials.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class Readable(Protocol):
    """What ``put`` needs from a stream: any binary file object, or a wrapper with ``read``."""

    def read(self, size: int, /) -> bytes: ...


@runtime_checkable
class BlobStore(Protocol):
    """Keyed byte storage: a local directory, memory, or an S3-compatible bucket.

    Every method validates its key first (``Invalid``). Absent keys raise ``NotFound`` from the
    read methods; ``exists`` and ``delete`` never do.
    """

    def put(self, key: str, stream: Readable) -> int:
        """Store every byte of ``stream`` under ``key``; return how many were written.

        Atomic: a concurrent or later reader sees the old value or the whole new one, never a
        mix or a prefix, even when the writer dies midway. Replaces any existing value.
        """
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable binary file object for ``key`` (use it as a context manager)."""
        ...

    def open_range(self, key: str, start: int, end: int | None) -> Iterator[bytes]:
        """Yield bytes ``[start, end)`` of ``key`` in chunks, for HTTP ranges and streaming.

        ``end`` of ``None`` means to the end; an ``end`` past the size is clipped; an empty or
        inverted range yields nothing. ``NotFound`` is raised by the call itself, before the
        first chunk, so a response can still turn it into a 404.
        """
        ...

    def size(self, key: str) -> int:
        """Length in bytes of the value under ``key``."""
        ...

    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a value."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; no error when it is already absent."""
        ...

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every key starting with ``prefix`` (a plain string prefix), in no promised order."""
        ...

    def local_path(self, key: str) -> Path | None:
        """Where ``key`` lives on this machine's disk, for servers that send files themselves
        (ASGI ``pathsend``, nginx's ``X-Accel-Redirect``); None for stores that keep no files."""
        ...

    def presigned_url(self, key: str, seconds: int) -> str | None:
        """A URL that reads ``key`` without credentials for ``seconds``; None for stores that
        cannot hand one out."""
        ...


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid blob key, else raise ``Invalid``.

    A key is one or more ``/``-separated segments of ``[A-Za-z0-9._-]``, none empty and none
    starting with ``.`` (so no ``.``, ``..``, ``.tmp`` or hidden names), at most
    ``MAX_SEGMENT_LENGTH`` characters each and ``MAX_KEY_LENGTH`` in all. That also rules out
    absolute paths, backslashes and anything that could leave a store's root.
    """
    if not isinstance(key, str):
        raise Invalid("blob key must be a string", field="key")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Invalid(f"blob key must be 1 to {MAX_KEY_LENGTH} characters", field="key")
    for segment in key.split("/"):
        if len(segment) > MAX_SEGMENT_LENGTH or not _SEGMENT.fullmatch(segment):
            raise Invalid(f"invalid blob key {key!r}", field="key")
    return key


def is_key(key: str) -> bool:
    """Whether ``key`` follows the key rules (listings skip names that do not)."""
    try:
        check_key(key)
    except Invalid:
        return False
    return True


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if some valid key could start with it, else raise ``Invalid``.

    ``""`` lists everything; ``"blobs/"`` a folder; ``"variants/ab"`` every key whose text
    starts so (as S3 prefixes do). The complete segments must form a valid key.
    """
    if not isinstance(prefix, str) or len(prefix) > MAX_KEY_LENGTH:
        raise Invalid("invalid blob key prefix", field="prefix")
    head, _, tail = prefix.rpartition("/")
    try:
        if head or prefix.startswith("/"):
            check_key(head)
    except Invalid:
        raise Invalid(f"invalid blob key prefix {prefix!r}", field="prefix") from None
    if not _PREFIX_TAIL.fullmatch(tail):
        raise Invalid(f"invalid blob key prefix {prefix!r}", field="prefix")
    return prefix


def check_range(start: int, end: int | None) -> None:
    """Refuse a negative ``start`` (suffix ranges are resolved by the caller with ``size``)."""
    if start < 0:
        raise Invalid(f"range start must be 0 or more, not {start}", field="start")
