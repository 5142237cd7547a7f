"""A darkroom server for the benchmark, as an operator runs it, and the images it is given.

``python -m darkroom serve`` in a throwaway data folder (SQLite and a local blob folder, the
embedded default) on a free loopback port, configured by ``DARKROOM_*`` environment only, with
the extra environment and ``--workers`` the benchmark was given. Images are uploaded over the
APIs, as clients upload them: Moov with HTTP Basic as the admin, Procore with a Bearer token the
CLI issues (``darkroom tokens create``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from bench._procs import Service
from bench._references import free_port

ROOT = Path(__file__).resolve().parent.parent
ADMIN = ("bench-admin", "bench-admin-password")
MOOV_ACCOUNT = "0b5e1c2a-6f0d-4c55-9a57-6b3e3c1d2e4f"
PROCORE_COMPANY, PROCORE_PROJECT = 1, 10
READY_TIMEOUT_S = 60.0


def serve_options() -> str:
    """``darkroom serve --help``, to see which options this version has (e.g. ``--workers``)."""
    done = subprocess.run(
        [sys.executable, "-m", "darkroom", "serve", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    return done.stdout


class Darkroom:
    """A running darkroom server (``start`` returns once ``/readyz`` answers 200)."""

    def __init__(self, folder: Path, *, extra_env: Mapping[str, str], workers: int | None) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("DARKROOM_")}
        self.env = {
            **inherited,
            "DARKROOM_HOST": "127.0.0.1",
            "DARKROOM_PORT": str(self.port),
            "DARKROOM_DATA_DIR": str(self.data),
            "DARKROOM_ADMIN_USER": ADMIN[0],
            "DARKROOM_ADMIN_PASSWORD": ADMIN[1],
            **extra_env,
        }
        for key, value in extra_env.items():
            if not value:
                del self.env[key]  # KEY= in the benchmark's options: not set at all
        self.argv = [sys.executable, "-m", "darkroom", "serve"]
        if workers is not None:
            self.argv += ["--workers", str(workers)]
        self.service: Service | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_pid(self) -> int:
        assert self.service is not None, "start() first"
        return self.service.pid

    @property
    def store_root(self) -> Path:
        """The local blob folder (``DARKROOM_STORAGE_URL`` unless given: <data>/blobs)."""
        given = self.env.get("DARKROOM_STORAGE_URL", "")
        if given.startswith("file://"):
            return Path(given.removeprefix("file://"))
        return self.data / "blobs"

    def start(self) -> Service:
        """Start the server; stopped again if it does not become ready."""
        service = Service(
            "darkroom", self.argv, log=self.folder / "darkroom.log", env=self.env, cwd=ROOT
        )
        self.service = service
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self._ready():
            if not service.alive() or time.monotonic() > deadline:
                service.stop()
                raise RuntimeError(f"darkroom did not become ready{service.tail()}")
            time.sleep(0.1)
        return service

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def moov_upload(self, path: Path) -> str:
        """Upload ``path`` to the bench's Moov account; its public id."""
        with path.open("rb") as body:
            files = {"image": (path.name, body, "image/jpeg")}
            answer = httpx.post(
                f"{self.url}/accounts/{MOOV_ACCOUNT}/images", files=files, auth=ADMIN, timeout=120
            )
        answer.raise_for_status()
        public_id: str = answer.json()["publicID"]
        return public_id

    def procore_token(self) -> str:
        """A Bearer token of the admin, from ``darkroom tokens create`` (the last line)."""
        done = subprocess.run(
            [sys.executable, "-m", "darkroom", "tokens", "create", ADMIN[0], "--label", "bench"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip().splitlines()[-1]

    def procore_upload(self, path: Path, token: str) -> str:
        """Upload ``path`` as a Procore image of project 10; the URL of its original."""
        with path.open("rb") as body:
            answer = httpx.post(
                f"{self.url}/rest/v1.0/images",
                params={"project_id": PROCORE_PROJECT},
                headers={
                    "Authorization": f"Bearer {token}",
                    "Procore-Company-Id": str(PROCORE_COMPANY),
                },
                files={"image[data]": (path.name, body, "image/jpeg")},
                timeout=120,
            )
        answer.raise_for_status()
        url: str = answer.json()["url"]
        return url
