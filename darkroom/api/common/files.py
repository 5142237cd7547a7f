"""Stored files sent as HTTP responses: whole (with ``http.response.pathsend`` when the server
offers it, so the server sends the file itself), or one byte range (RFC 9110 §14).

The file is opened by the worker thread that found it, so the event loop never waits for an
``open`` or a ``stat``; it then reads the open file in large chunks. Those reads come from the page
cache for hot files and cost microseconds; a server that offers ``pathsend`` (granian) avoids even
them. Several ranges in one request are answered with the whole file (RFC 9110 allows it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from darkroom.api.common.conditions import Conditions

CHUNK_BYTES = 256 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass
class LocalFile:
    path: Path
    handle: BinaryIO
    size: int

    @classmethod
    def open(cls, path: Path) -> LocalFile | None:
        """The file opened for reading, or None when it is not there (any more)."""
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return None
        return cls(path, handle, os.fstat(handle.fileno()).st_size)


class Unsatisfiable(Exception):
    """The range asks for nothing inside the file."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The one range ``header`` asks for as ``(start, end)`` (end exclusive), clamped to the file;
    None when it is not one byte range we serve (the whole file is sent instead).

    Raises ``Unsatisfiable`` for a well-formed range that starts past the end, or a suffix of 0.
    """
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size
    start = int(first)
    end = size if not last else min(int(last) + 1, size)
    if last and int(last) < start:
        return None  # invalid: ignored, like any range we cannot read
    if start >= size:
        raise Unsatisfiable
    return start, end


class FileSent(Response):
    """A ``LocalFile`` as a response with ``headers``; honours ``Range`` (and ``If-Range``) in
    ``conditions``."""

    def __init__(self, file: LocalFile, headers: dict[str, str], conditions: Conditions) -> None:
        self.file = file
        self.status_code = 200
        self.start, self.end = 0, file.size
        sent = {**headers, "Accept-Ranges": "bytes"}
        wanted = conditions.range
        if wanted is not None and _range_applies(conditions.if_range, headers):
            try:
                chosen = parse_range(wanted, file.size)
            except Unsatisfiable:
                chosen = None
                self.status_code, self.start, self.end = 416, 0, 0
                sent["Content-Range"] = f"bytes */{file.size}"
            if chosen is not None:
                self.status_code = 206
                self.start, self.end = chosen
                sent["Content-Range"] = f"bytes {self.start}-{self.end - 1}/{file.size}"
        sent["Content-Length"] = str(self.end - self.start)
        self.media_type = headers.get("Content-Type")
        self.background = None
        self.body = b""
        self.raw_headers = [(k.lower().encode(), v.encode("latin-1")) for k, v in sent.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            if scope.get("method") == "HEAD" or self.start == self.end:
                await send({"type": "http.response.body", "body": b""})
                return
            whole = self.start == 0 and self.end == self.file.size
            if whole and "http.response.pathsend" in scope.get("extensions", {}):
                await send({"type": "http.response.pathsend", "path": str(self.file.path)})
                return
            await self._send_chunks(send)
        finally:
            self.file.handle.close()

    async def _send_chunks(self, send: Send) -> None:
        handle, left = self.file.handle, self.end - self.start
        handle.seek(self.start)
        while left > 0:
            chunk = handle.read(min(CHUNK_BYTES, left))
            if not chunk:
                break  # the file shrank under us: a store never does that to a stored key
            left -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": left > 0})
        if left > 0:
            await send({"type": "http.response.body", "body": b""})


def _range_applies(if_range: str | None, headers: dict[str, str]) -> bool:
    """``If-Range`` (RFC 9110 §13.1.5): the range is served only while the client's validator
    still names these bytes; a strong ETag or the exact Last-Modified."""
    if if_range is None:
        return True
    if if_range.startswith('"') or if_range.startswith("W/"):
        return if_range == headers.get("ETag")
    return if_range == headers.get("Last-Modified")
