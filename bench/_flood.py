"""A client that sends a fixed list of GETs once each, over a few keep-alive connections.

wrk runs for a duration, not a count, so it cannot send "10,000 distinct sizes, then stop".
This is a small asyncio HTTP/1.1 client instead: plain sockets, Content-Length or chunked
bodies, a new connection when the server closes one. It costs tens of microseconds of CPU per
request, so it leaves the cores to the server and to the wrk client measured beside it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

REQUEST_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class FloodResult:
    sent: int
    seconds: float
    statuses: Counter[str]  # "200", "429", ..., "error"
    stopped_early: bool  # the time limit came before the list ended


def flood(
    host: str, port: int, paths: Sequence[str], *, connections: int, max_seconds: float
) -> FloodResult:
    """GET every path of ``paths`` once (in order, ``connections`` at a time) or until
    ``max_seconds`` have passed."""
    return asyncio.run(_flood(host, port, paths, connections, max_seconds))


async def _flood(
    host: str, port: int, paths: Sequence[str], connections: int, max_seconds: float
) -> FloodResult:
    todo: Iterator[str] = iter(paths)
    statuses: Counter[str] = Counter()
    began = time.monotonic()
    deadline = began + max_seconds
    sent = 0

    async def worker() -> None:
        nonlocal sent
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while time.monotonic() < deadline:
                path = next(todo, None)
                if path is None:
                    return
                sent += 1
                try:
                    if conn is None:
                        conn = await asyncio.open_connection(host, port)
                    status, keep = await asyncio.wait_for(
                        _get(*conn, host, port, path), REQUEST_TIMEOUT_S
                    )
                    statuses[str(status)] += 1
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                    statuses["error"] += 1
                    keep = False
                if not keep and conn is not None:
                    conn[1].close()
                    conn = None
        finally:
            if conn is not None:
                conn[1].close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    ended = time.monotonic()
    return FloodResult(
        sent=sent,
        seconds=ended - began,
        statuses=statuses,
        stopped_early=sent < len(paths),
    )


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, port: int, path: str
) -> tuple[int, bool]:
    """One GET: the status and whether the connection may be used again."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode("ascii"))
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip().lower()
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif status not in (204, 304):
        await reader.read()  # body until close
        return status, False
    return status, headers.get("connection") != "close"
