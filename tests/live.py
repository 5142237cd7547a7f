"""A real darkroom HTTP server on a free loopback port, for tests that speak HTTP to it."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import uvicorn
from fastapi import FastAPI

STARTUP_TIMEOUT_S = 20
POLL_S = 0.005  # how often a stopping test server looks whether its connections have closed
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


class _Server(uvicorn.Server):
    """uvicorn's server, stopped as soon as the test asks (``stop``).

    uvicorn looks at ``should_exit`` every 0.1 s, then sleeps 0.1 s after asking its
    connections to close and polls every 0.1 s until they have: about 150 ms per test server.
    This one wakes when told and polls every POLL_S; it stops in the same steps, in the same
    order (stop listening, shut the connections down, wait for them and for their tasks within
    ``timeout_graceful_shutdown``, then the lifespan's shutdown).
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    def stop(self) -> None:
        """Ask the server to exit (from any thread)."""
        self.should_exit = True
        if self._loop is not None and self._stopping is not None:
            with suppress(RuntimeError):  # the loop already closed
                self._loop.call_soon_threadsafe(self._stopping.set)

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        logging.getLogger("uvicorn.error").info("Shutting down")
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        try:
            await asyncio.wait_for(self._closed(), timeout=self.config.timeout_graceful_shutdown)
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()

    async def _closed(self) -> None:
        await asyncio.sleep(0)  # the connections handle their shutdown
        while (self.server_state.connections or self.server_state.tasks) and not self.force_exit:
            await asyncio.sleep(POLL_S)
        for server in self.servers:
            await server.wait_closed()


@contextmanager
def _running(config: uvicorn.Config, name: str) -> Iterator[None]:
    server = _Server(config)
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
        server.stop()
        thread.join(timeout=STARTUP_TIMEOUT_S)
