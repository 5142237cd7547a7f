"""``DARKROOM_STORAGE_URL`` into a blob store: the one place that knows every backend."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from darkroom.storage.base import BlobStore

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")


def open_store(url: str, *, environ: Mapping[str, str] | None = None) -> BlobStore:
    """Build the store a storage URL names (``DARKROOM_STORAGE_URL``).

    - ``file:///abs/path`` or ``file://relative/path``: :class:`LocalStore` rooted there
      (created if missing). The path is taken literally, without percent-decoding.
    - ``memory://``: a fresh, empty :class:`MemoryStore`.
    - ``s3://bucket`` or ``s3://bucket/prefix``: :class:`S3Store` on that bucket, keys under
      the prefix; the endpoint (``DARKROOM_S3_ENDPOINT_URL``), credentials and region come from
      ``environ`` (default ``os.environ``), as :mod:`darkroom.storage.s3` describes. The bucket
      must exist.

    Any problem raises ``ValueError`` that never repeats the URL (URLs may carry secrets) nor
    a credential: an unknown scheme is named alone, an S3 bucket at most.
    """
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or not _SCHEME.fullmatch(scheme):
        raise ValueError("malformed storage URL; expected file://, memory:// or s3://")
    if scheme == "file":
        if not rest:
            raise ValueError("file:// storage URL needs a path")
        from darkroom.storage.local import LocalStore

        return LocalStore(Path(rest))
    if scheme == "memory":
        if rest:
            raise ValueError("memory:// storage URL takes no path")
        from darkroom.storage.memory import MemoryStore

        return MemoryStore()
    if scheme == "s3":
        from darkroom.storage.s3 import from_url

        return from_url(rest, os.environ if environ is None else environ)
    raise ValueError(
        f"unsupported storage URL scheme {scheme!r}; expected file://, memory:// or s3://"
    )
