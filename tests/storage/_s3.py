"""An S3 endpoint for tests: moto's S3 emulator, served over HTTP on a loopback port.

No real S3-compatible service (MinIO, Ceph) installs here from Debian or as a binary on PyPI,
so moto's ``ThreadedMotoServer`` stands in: a real HTTP server in a thread of the test process
that speaks the S3 REST protocol, which boto3 reaches exactly as it would reach MinIO (same
signing, path-style URLs, multipart, ranges, paging). One server serves the whole test session
(started on first use, stopped when pytest finishes); each test gets a fresh bucket.

Tests that take the store down use :class:`EmulatorProcess` instead: the same server in a child
process, which can be ended and started again on its port.
"""

from __future__ import annotations

import itertools
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
from moto.server import ThreadedMotoServer

from darkroom.storage.s3 import S3Client, S3Store, make_client
from tests.live import free_port

ACCESS_KEY_ID = "darkroom-test"
SECRET_ACCESS_KEY = "darkroom-test-secret"
"""What the emulator is sent; it accepts any credentials."""

_bucket_numbers = itertools.count(1)


class Emulator:
    """The session's S3 emulator: ``endpoint()`` starts it once, ``stop()`` ends it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadedMotoServer | None = None
        self._endpoint = ""
        self._client: S3Client | None = None

    def endpoint(self) -> str:
        with self._lock:
            if self._server is None:
                logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request
                server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
                server.start()
                host, port = server.get_host_and_port()
                self._server, self._endpoint = server, f"http://{host}:{port}"
            return self._endpoint

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.stop()
                self._server = self._client = None

    def client(self) -> S3Client:
        """A client of the emulator, shared (boto3 clients are thread-safe; each costs ~0.2 s)."""
        endpoint = self.endpoint()
        with self._lock:
            if self._client is None:
                self._client = make_client(
                    endpoint_url=endpoint,
                    access_key_id=ACCESS_KEY_ID,
                    secret_access_key=SECRET_ACCESS_KEY,
                )
            return self._client

    def new_bucket(self, client: S3Client | None = None) -> str:
        name = f"darkroom-test-{next(_bucket_numbers)}"
        (client or self.client()).create_bucket(Bucket=name)
        return name

    def store(self, prefix: str = "", **options: Any) -> S3Store:
        """An ``S3Store`` on a fresh bucket (``options`` go to the store)."""
        client = self.client()
        return S3Store(client, self.new_bucket(client), prefix, **options)


EMULATOR = Emulator()

PROCESS_START_TIMEOUT_S = 30.0
PROCESS_STOP_TIMEOUT_S = 10.0


class EmulatorProcess:
    """moto's S3 server in a child process on a loopback port of its own, for tests of a store
    that goes down and comes back.

    ``stopped()`` ends the process with SIGKILL, so its port refuses new connections and every
    open one drops, as when the MinIO container dies; afterwards a new process listens on the
    same port. moto keeps objects only in memory, so every object is copied out before the stop
    and put back once the new process answers, before the block returns: the store comes back
    with its data, as MinIO does with its disk. Nothing of darkroom's is told or restarted.
    """

    def __init__(self, log_file: Path) -> None:
        self.log_file = log_file
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._client: S3Client | None = None

    def start(self) -> None:
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + PROCESS_START_TIMEOUT_S
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto server exited with {self._process.returncode}")
            with suppress(httpx.TransportError):
                httpx.get(self.endpoint, timeout=1)
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"moto server not up in {PROCESS_START_TIMEOUT_S:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=PROCESS_STOP_TIMEOUT_S)

    def client(self) -> S3Client:
        if self._client is None:
            self._client = make_client(
                endpoint_url=self.endpoint,
                access_key_id=ACCESS_KEY_ID,
                secret_access_key=SECRET_ACCESS_KEY,
            )
        return self._client

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """The store is down inside the block, and up with the same objects after it."""
        saved = self._objects()
        self.stop()
        try:
            yield
        finally:
            self.start()
            client = self.client()
            for bucket, objects in saved.items():
                client.create_bucket(Bucket=bucket)
                for key, body in objects.items():
                    client.put_object(Bucket=bucket, Key=key, Body=body)

    def _objects(self) -> dict[str, dict[str, bytes]]:
        client = self.client()
        saved: dict[str, dict[str, bytes]] = {}
        for bucket in client.list_buckets()["Buckets"]:
            name = bucket["Name"]
            saved[name] = {}
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
                for item in page.get("Contents", ()):
                    body = client.get_object(Bucket=name, Key=item["Key"])["Body"]
                    saved[name][item["Key"]] = body.read()
        return saved
