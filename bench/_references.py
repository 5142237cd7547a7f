"""The references darkroom is measured against, started on 127.0.0.1 and stopped by PID.

- nginx (Debian's ``nginx-light``, else ``nginx``) serving darkroom's blob folder (and a folder
  of copies for bytes darkroom does not keep as a file): a file server at its best,
  with its stock static-file settings (sendfile, ETag, If-None-Match) and the access log off;
  one worker per core (``worker_processes auto``), a private prefix, pid and error log.
- thumbor 7 in its own venv, ``--processes N`` (the issue's ``THUMBOR_PROCESSES``), unsafe URLs,
  the file loader rooted at a folder of originals, no storage and no result storage (every
  request loads and renders), baseline JPEG at darkroom's quality (82) so both sides encode the
  same kind of file.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from bench._procs import Service

READY_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(service: Service, url: str, *, timeout: float = READY_TIMEOUT_S) -> None:
    """Poll ``url`` until it answers at all (any status), or stop the service and fail with its
    log."""
    deadline = time.monotonic() + timeout
    while True:
        if not service.alive():
            service.stop()  # its children, if any
            raise RuntimeError(f"{service.name} exited early{service.tail()}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            service.stop()
            raise RuntimeError(f"{service.name} did not answer {url}{service.tail()}")
        time.sleep(0.1)


_NGINX_CONF = """\
worker_processes auto;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type image/jpeg;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location /store/ {{ alias {store}/; }}
        location /copies/ {{ alias {copies}/; }}
    }}
}}
"""


def start_nginx(binary: str, store: Path, copies: Path, work: Path) -> tuple[Service, str]:
    """nginx serving ``store`` under ``/store/`` and ``copies`` under ``/copies/``; returns the
    service and its base URL."""
    work.mkdir(parents=True, exist_ok=True)
    copies.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(_NGINX_CONF.format(work=work, port=port, store=store, copies=copies))
    service = Service(
        "nginx",
        [binary, "-p", f"{work}/", "-c", str(conf), "-e", str(work / "error.log")],
        log=work / "nginx.out",
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(service, url)
    return service, url


_THUMBOR_CONF = """\
LOADER = "thumbor.loaders.file_loader"
FILE_LOADER_ROOT_PATH = {root!r}
STORAGE = "thumbor.storages.no_storage"
RESULT_STORAGE = None
ALLOW_UNSAFE_URL = True
QUALITY = 82
PROGRESSIVE_JPEG = False
"""


def start_thumbor(command: Path, root: Path, work: Path, *, processes: int) -> tuple[Service, str]:
    """thumbor rendering the files under ``root``; returns the service and its base URL."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = work / "thumbor.conf"
    conf.write_text(_THUMBOR_CONF.format(root=str(root)))
    service = Service(
        "thumbor",
        [
            str(command),
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--conf={conf}",
            "--log-level=warning",
            f"--processes={processes}",
        ],
        log=work / "thumbor.log",
        cwd=work,
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(service, f"{url}/healthcheck")
    return service, url
