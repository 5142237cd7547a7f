"""A bare ASGI app that sends one recorded answer to every request: darkroom's own answer (its
status, headers and body) with no darkroom code in the way.

bench/delivery.py serves it under granian with darkroom's worker count, to show what the server
alone allows for that very answer: the ceiling of any Python app behind it. The answer is read at
import from the JSON file named by ``BENCH_REPLAY`` (``status``, ``headers`` as pairs, ``body``
as the path of a file holding it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from bench._bare_asgi import lifespan

Message = MutableMapping[str, Any]

_recorded = json.loads(Path(os.environ["BENCH_REPLAY"]).read_text())
STATUS: int = _recorded["status"]
HEADERS = [
    (name.encode("latin-1"), value.encode("latin-1")) for name, value in _recorded["headers"]
]
BODY = Path(_recorded["body"]).read_bytes()


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    await send({"type": "http.response.start", "status": STATUS, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
