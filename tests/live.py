"""A real darkroom HTTP server on a free loopback port, for tests that speak HTTP to it."""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

STARTUP_TIMEOUT_S = 20
WORKER_PORTS_START = 20_000  # below Linux's ephemeral range (32768-60999), which port 0 draws on
WORKER_PORTS = 2_000  # ports per pytest-xdist worker


def free_port() -> int:
    """A loopback TCP port nobody listens on now, for a server about to bind it.

    A port is free between this check and the server's bind, so two pytest-xdist workers must
    not choose from the same ports: port 0 could hand both the one just released. Each worker
    (``PYTEST_XDIST_WORKER=gwN``) picks from its own block of WORKER_PORTS below the ephemeral
    range; a run without workers lets the kernel choose.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return _bound_port(0)
    first = WORKER_PORTS_START + int(worker[2:]) * WORKER_PORTS
    while True:
        try:
            return _bound_port(random.randrange(first, first + WORKER_PORTS))
        except OSError:
            continue  # taken: try another


def _bound_port(port: int) -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        bound: int = sock.getsockname()[1]
        return bound


@contextmanager
def serve(app: FastAPI, *, log_level: str = "warning") -> Iterator[str]:
    """Run ``app`` under uvicorn in a thread; yield its base URL; stop it afterwards.

    ``log_level="info"`` turns uvicorn's access log on (for tests of what it writes)."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level=log_level, lifespan="on")
    with _running(config, f"uvicorn-{port}"):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def serve_on_socket(app: FastAPI, path: str) -> Iterator[None]:
    """Run ``app`` on the unix socket ``path``, where requests have no client address (as
    behind a proxy that speaks to darkroom over a socket); reach it with
    ``httpx.HTTPTransport(uds=path)``."""
    config = uvicorn.Config(app, uds=path, log_level="warning", lifespan="on")
    with _running(config, "uvicorn-socket"):
        yield


@contextmanager
def _running(config: uvicorn.Config, name: str) -> Iterator[None]:
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_S)
