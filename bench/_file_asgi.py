"""Starlette's FileResponse of one file (``BENCH_FILE``), for bench/servers.py.

Starlette sends the file with ``http.response.pathsend`` where the server offers that extension
(granian sends it from Rust without Python reading it), and reads it in chunks through a thread
otherwise (uvicorn).
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route

PATH = os.environ["BENCH_FILE"]


async def send_file(request: Request) -> FileResponse:
    return FileResponse(PATH, media_type="application/octet-stream")


app = Starlette(routes=[Route("/", send_file)])
