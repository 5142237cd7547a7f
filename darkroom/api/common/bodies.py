"""Raw request bodies that carry file bytes, spooled to disk as they arrive."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

from starlette.requests import Request

IN_MEMORY_BYTES = 1024 * 1024  # larger bodies go to a temp file in the spool folder


@asynccontextmanager
async def spooled_body(request: Request, directory: Path) -> AsyncIterator[IO[bytes]]:
    """The request body as a file positioned at its start, never held whole in memory.

    The body cap middleware bounds how much can arrive; the file is removed afterwards.
    """
    with tempfile.SpooledTemporaryFile(
        max_size=IN_MEMORY_BYTES, mode="w+b", dir=str(directory)
    ) as file:
        async for chunk in request.stream():
            file.write(chunk)
        file.seek(0)
        yield file
