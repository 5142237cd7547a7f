"""An S3 endpoint for tests: moto's S3 emulator, served over HTTP on a loopback port.

No real S3-compatible service (MinIO, Ceph) installs here from Debian or as a binary on PyPI,
so moto's ``ThreadedMotoServer`` stands in: a real HTTP server in a thread of the test process
that speaks the S3 REST protocol, which boto3 reaches exactly as it would reach MinIO (same
signing, path-style URLs, multipart, ranges, paging). One server serves the whole test session
(started on first use, stopped when pytest finishes); each test gets a fresh bucket.
"""

from __future__ import annotations

import itertools
import logging
import threading
from typing import Any

from moto.server import ThreadedMotoServer

from darkroom.storage.s3 import S3Client, S3Store, make_client

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
