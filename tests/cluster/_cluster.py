"""Several darkroom server processes sharing one PostgreSQL database and one S3 bucket.

Each ``Instance`` is a real ``python -m darkroom serve`` process configured only through its
``DARKROOM_*`` environment, as a deployment configures it, on its own loopback port and data
folder. The ``Cluster`` holds them, the environment they share and a ``Runtime`` of the test
process on the same database and bucket, for provisioning and for looking at what was stored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import httpx

from darkroom.config import Settings
from darkroom.core import accounts
from darkroom.core.access import Role
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.db.models import Credential
from darkroom.storage.s3 import S3Client, S3Store
from tests.live import free_port
from tests.storage._s3 import ACCESS_KEY_ID, EMULATOR, SECRET_ACCESS_KEY

STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
POLL_S = 0.05
ADMIN = ("root", "root-password")
PASSWORD = "secret"  # every user the tests make has this password


class InstanceFailed(RuntimeError):
    """An instance exited or did not become ready; the message ends with its log."""


@dataclass
class Instance:
    """One darkroom server process (started by ``start``, ready after ``wait_ready``)."""

    name: str
    env: Mapping[str, str]
    folder: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.folder / f"{self.name}.log"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        """Spawn the server on a free port; returns at once (see ``wait_ready``)."""
        self.port = free_port()
        self.starts += 1
        env = {
            **self.env,
            "DARKROOM_HOST": "127.0.0.1",
            "DARKROOM_PORT": str(self.port),
            "DARKROOM_DATA_DIR": str(self.folder / "data"),
        }
        with self.log_file.open("ab") as log:
            log.write(f"--- start {self.starts} on port {self.port}\n".encode())
            self.process = subprocess.Popen(
                [sys.executable, "-m", "darkroom", "serve"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        """Poll ``/readyz`` (database and bucket reachable) until it answers 200."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise InstanceFailed(f"{self.name} exited with {self._returncode()}{self.tail()}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise InstanceFailed(f"{self.name} not ready in {timeout:.0f} s{self.tail()}")
            time.sleep(POLL_S)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, in-flight requests cut off."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_S)

    def stop(self) -> None:
        """SIGTERM (uvicorn's graceful shutdown), SIGKILL if it does not end in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return f"\nlast lines of {self.log_file}:\n" + "\n".join(text)

    def _returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode


@dataclass
class Cluster:
    """Two (or more) instances on one database and one bucket, and the test's own runtime."""

    instances: list[Instance]
    env: Mapping[str, str]
    rt: Runtime
    store: S3Store
    folder: Path
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def a(self) -> Instance:
        return self.instances[0]

    @property
    def b(self) -> Instance:
        return self.instances[1]

    def start(self) -> None:
        """Start every instance at once, then wait for all of them."""
        for instance in self.instances:
            instance.start()
        for instance in self.instances:
            instance.wait_ready()

    def ensure_running(self) -> None:
        """Restart the instances a test killed, so every test starts with all of them."""
        dead = [instance for instance in self.instances if not instance.alive()]
        for instance in dead:
            instance.start()
        for instance in dead:
            instance.wait_ready()

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        for instance in self.instances:
            instance.stop()

    def client(
        self,
        instance: Instance,
        *,
        auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Client:
        """An HTTP client of ``instance``, closed when the cluster stops."""
        made = httpx.Client(base_url=instance.url, timeout=30, auth=auth, headers=headers)
        self.clients.append(made)
        return made

    def alternate(self) -> Iterator[Instance]:
        """a, b, a, b, ...: requests spread over the instances."""
        while True:
            yield from self.instances

    def cli(self, *args: str) -> subprocess.Popen[str]:
        """``python -m darkroom ARGS`` with the cluster's environment, output captured."""
        return subprocess.Popen(
            [sys.executable, "-m", "darkroom", *args],
            env={**self.env, "DARKROOM_DATA_DIR": str(self.folder / "cli")},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def add_user(self, name: str, *, role: Role = Role.MEMBER) -> int:
        """A user whose password is ``PASSWORD`` (hashed once per test run)."""
        with self.rt.transaction() as session:
            principal = accounts.create_principal(session, name, role=role)
            session.add(
                Credential(
                    principal_id=principal.id,
                    kind=accounts.CredentialKind.PASSWORD,
                    secret_hash=_password_hash(),
                )
            )
            return principal.id


@cache
def _password_hash() -> str:
    return accounts.hash_password(PASSWORD)


def instance_env(
    *, database_url: str, bucket: str, prefix: str, endpoint: str, key_id: str, secret: str
) -> dict[str, str]:
    """The environment every process of the cluster shares (no inherited ``DARKROOM_*``)."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DARKROOM_", "AWS_"))
    }
    return {
        **inherited,
        "DARKROOM_DATABASE_URL": database_url,
        "DARKROOM_STORAGE_URL": f"s3://{bucket}/{prefix}",
        "DARKROOM_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_REGION": "us-east-1",
        "DARKROOM_ADMIN_USER": ADMIN[0],
        "DARKROOM_ADMIN_PASSWORD": ADMIN[1],
        # The workloads render many new sizes from one loopback address on purpose.
        "DARKROOM_RENDER_RATE": "0",
        # One worker process per instance, as before `serve --workers` (default: one per
        # core): the cluster is about instances; tests/test_serve.py is about workers.
        "DARKROOM_WORKERS": "1",
        # Links to private images signed on one instance must verify on the others, as a
        # deployment of several instances sets it (docs/security.md, "Signed links").
        "DARKROOM_SIGNING_KEYS": "cluster-signing-key-0123456789abcdef",
    }


def build_cluster(
    folder: Path,
    *,
    database_url: str,
    client: S3Client,
    endpoint: str,
    prefix: str,
    names: Sequence[str],
) -> Cluster:
    """Instances ``names`` (not started yet) on ``database_url`` and a fresh bucket under
    ``prefix``, and a runtime of the test's own on the same database and bucket."""
    bucket = EMULATOR.new_bucket(client)
    env = instance_env(
        database_url=database_url,
        bucket=bucket,
        prefix=prefix,
        endpoint=endpoint,
        key_id=ACCESS_KEY_ID,
        secret=SECRET_ACCESS_KEY,
    )
    store = S3Store(client, bucket, prefix)
    rt = open_runtime(
        Settings(data_dir=folder / "tester", database_url=database_url, storage_url="memory://"),
        store=store,
    )
    instances = [Instance(name=name, env=env, folder=folder) for name in names]
    return Cluster(instances=instances, env=env, rt=rt, store=store, folder=folder)
