"""A real nginx on a free loopback port, for tests of what darkroom hands to it.

The server block comes from the caller (a file under ``deploy/`` with its placeholders filled);
this wraps it in a private ``http`` block (pid, logs and temp folders in a temp folder) and runs
nginx in the foreground until the block exits. As root (CI), nginx's workers run as root too so
they can read pytest's private temp folders. Install nginx with ``scripts/ensure-nginx``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.live import free_port

START_TIMEOUT_S = 10

_MAIN = """\
{user}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    sendfile on;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
{server}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        raise RuntimeError("nginx not found; run scripts/ensure-nginx")
    return found


@contextmanager
def nginx(server_block: str, work: Path) -> Iterator[str]:
    """Run nginx with ``server_block`` (its ``listen`` replaced by a free port); yield its URL."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = server_block.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    user = "user root;" if os.geteuid() == 0 else ""
    conf = work / "nginx.conf"
    conf.write_text(_MAIN.format(user=user, work=work, server=server))
    process = subprocess.Popen(
        [nginx_binary(), "-p", f"{work}/", "-c", str(conf), "-e", str(work / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(process, url, work)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=START_TIMEOUT_S)


def _wait(process: subprocess.Popen[bytes], url: str, work: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            log = (work / "error.log").read_text() if (work / "error.log").exists() else ""
            raise RuntimeError(f"nginx exited: {log[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not answer") from None
            time.sleep(0.05)
