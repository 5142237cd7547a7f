"""`darkroom serve` on the embedded default, as `make serve` runs it, in a child process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from darkroom.config import Settings
from darkroom.core import accounts
from darkroom.core.access import Role
from darkroom.core.runtime import open_runtime
from tests.live import free_port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    env = {
        **os.environ,
        "DARKROOM_DATA_DIR": str(tmp_path / "data"),
        "DARKROOM_PORT": str(port),
        "DARKROOM_ADMIN_USER": "admin",
        "DARKROOM_ADMIN_PASSWORD": "s3cret",
    }
    for name in ("DARKROOM_DATABASE_URL", "DARKROOM_STORAGE_URL"):
        env.pop(name, None)
    child = subprocess.Popen(
        [sys.executable, "-m", "darkroom", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if child.poll() is not None or time.monotonic() > deadline:
                output = child.stdout.read().decode() if child.stdout else ""
                raise AssertionError(f"darkroom serve did not come up:\n{output}")
            time.sleep(0.1)
        yield base, tmp_path / "data"
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def test_serve_answers_healthz_and_readyz(served: tuple[str, Path]) -> None:
    base, _ = served
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{base}/readyz").status_code == 200


def test_serve_uses_sqlite_in_wal_mode_and_local_blobs(served: tuple[str, Path]) -> None:
    _, data = served
    assert (data / "darkroom.db").exists()
    assert (data / "darkroom.db-wal").exists()
    assert (data / "blobs").is_dir()


def test_serve_with_admin_env_creates_a_working_admin(served: tuple[str, Path]) -> None:
    _, data = served
    runtime = open_runtime(Settings(data_dir=data))
    try:
        assert accounts.password_actor(runtime, "admin", "s3cret").role == Role.ADMIN
    finally:
        runtime.close()
