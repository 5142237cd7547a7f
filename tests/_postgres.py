"""A throwaway PostgreSQL server for tests: initdb into a temp folder, start, yield a URL, destroy.

The server listens only on a unix socket inside its own temp folder (``listen_addresses=''``),
trusts every local connection and runs with fsync off, so it starts in about a second and
touches nothing else on the machine. ``initdb`` refuses to run as root, so under root (as in CI)
the folder is handed to the ``postgres`` user and the binaries run through ``runuser``; as any
other user they run directly. Install the binaries with ``scripts/ensure-postgres``.

    with temporary_postgres() as url:
        engine = sqlalchemy.create_engine(url)
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

__all__ = [
    "PostgresServer",
    "find_postgres_bin",
    "postgres_server",
    "start",
    "stop",
    "stopped",
    "temporary_postgres",
]

POSTGRES_LIB = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"  # the OS account that owns the cluster when we run as root
SUPERUSER = "postgres"  # the database superuser initdb creates, whoever runs it
START_TIMEOUT = 30.0  # seconds to wait for the server to accept connections
COMMAND_TIMEOUT = 60.0  # seconds for initdb or pg_ctl to finish
LOG_TAIL_LINES = 30

# Appended to postgresql.conf: private, fast, disposable.
_SETTINGS = """
listen_addresses = ''
port = {port}
unix_socket_directories = '{socket_dir}'
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
log_timezone = 'UTC'
"""


def find_postgres_bin(root: Path = POSTGRES_LIB) -> Path | None:
    """The ``bin`` folder of the newest PostgreSQL under ``root`` (Debian's layout), else the
    folder of an ``initdb`` on ``PATH``; ``None`` when neither exists."""
    versions = []
    for initdb in root.glob("*/bin/initdb"):
        name = initdb.parent.parent.name
        if re.fullmatch(r"[0-9]+(\.[0-9]+)*", name):
            versions.append((tuple(int(part) for part in name.split(".")), initdb.parent))
    if versions:
        return max(versions)[1]
    on_path = shutil.which("initdb")
    return Path(on_path).resolve().parent if on_path else None


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway server: its SQLAlchemy URL and where it lives."""

    url: str
    socket_dir: Path
    port: int
    pid: int  # the postmaster's process id when it was first started (see ``start``)
    log_file: Path
    data_dir: Path | None = None  # for ``stop`` and ``start``
    bin_dir: Path | None = None
    command_prefix: tuple[str, ...] = ()  # ``runuser -u postgres --`` when run as root


@contextmanager
def temporary_postgres(*, database: str = "postgres") -> Iterator[str]:
    """Start a throwaway server and yield its SQLAlchemy URL (psycopg 3, unix socket).

    ``database`` other than ``postgres`` is created first. The server is stopped and its folder
    deleted when the block exits, also on error.
    """
    with postgres_server(database=database) as server:
        yield server.url


@contextmanager
def postgres_server(*, database: str = "postgres") -> Iterator[PostgresServer]:
    """Like :func:`temporary_postgres`, yielding the server's details rather than just its URL."""
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        raise RuntimeError(
            f"PostgreSQL not found under {POSTGRES_LIB} or on PATH; run scripts/ensure-postgres"
        )
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", SERVICE_USER, "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="darkroom-pg-"))
    data_dir, socket_dir, log_file = folder / "data", folder / "sock", folder / "server.log"
    started = False
    try:
        socket_dir.mkdir()
        if as_root:
            for path in (folder, socket_dir):
                shutil.chown(path, user=SERVICE_USER, group=SERVICE_USER)

        def run(*args: str | Path) -> None:
            _run([*prefix, *map(str, args)], cwd=folder, log_file=log_file)

        run(
            bin_dir / "initdb",
            "--pgdata",
            data_dir,
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
            "--no-instructions",
        )
        port = _free_port()
        with (data_dir / "postgresql.conf").open("a") as conf:
            conf.write(_SETTINGS.format(port=port, socket_dir=socket_dir))
        started = True  # from here on a server may exist, so always try to stop it
        run(
            bin_dir / "pg_ctl",
            "start",
            "--pgdata",
            data_dir,
            "--log",
            log_file,
            "--wait",
            "--timeout",
            str(int(START_TIMEOUT)),
            "--silent",
        )
        _wait_until_ready(socket_dir, port, log_file)
        pid = int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        if database != SUPERUSER:
            with psycopg.connect(
                host=str(socket_dir), port=port, user=SUPERUSER, dbname="postgres", autocommit=True
            ) as connection:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        # Slashes stay readable: the URL may go through configparser (Alembic), where "%" breaks.
        host = quote(str(socket_dir), safe="/")
        url = (
            f"postgresql+psycopg://{SUPERUSER}@/{quote(database, safe='')}?host={host}&port={port}"
        )
        yield PostgresServer(url, socket_dir, port, pid, log_file, data_dir, bin_dir, tuple(prefix))
    finally:
        try:
            if started:
                _stop(bin_dir, data_dir, prefix, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def stop(server: PostgresServer, *, mode: str = "fast") -> None:
    """Stop the server and wait until it is gone (``pg_ctl stop``; ``fast`` ends every session,
    ``immediate`` is a crash). The data stays; ``start`` brings it back on the same socket."""
    _pg_ctl(server, "stop", "--mode", mode, "--wait", "--timeout", str(int(COMMAND_TIMEOUT)))


def start(server: PostgresServer) -> int:
    """Start a server that ``stop`` stopped, wait until it accepts connections, and return the
    new postmaster's process id."""
    _pg_ctl(server, "start", "--log", str(server.log_file), "--wait", "--silent")
    _wait_until_ready(server.socket_dir, server.port, server.log_file)
    assert server.data_dir is not None
    return int((server.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])


@contextmanager
def stopped(server: PostgresServer, *, mode: str = "fast") -> Iterator[None]:
    """The server is down inside the block and running again after it, also on error."""
    stop(server, mode=mode)
    try:
        yield
    finally:
        start(server)


def _pg_ctl(server: PostgresServer, action: str, *args: str) -> None:
    if server.data_dir is None or server.bin_dir is None:
        raise RuntimeError("this PostgresServer cannot be stopped or started (no data folder)")
    command = [*server.command_prefix, str(server.bin_dir / "pg_ctl"), action]
    _run(
        [*command, "--pgdata", str(server.data_dir), *args],
        cwd=server.data_dir.parent,
        log_file=server.log_file,
    )


def _run(command: list[str], *, cwd: Path, log_file: Path) -> None:
    """Run a PostgreSQL tool; on failure raise with its output and the server log tail."""
    try:
        result = subprocess.run(
            command,
            cwd=cwd,  # the tools fail when they cannot read the working directory
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(
            f"{' '.join(command)} did not finish in {COMMAND_TIMEOUT:.0f} s" + _log_tail(log_file)
        ) from error
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited with {result.returncode}:\n"
            f"{result.stdout}{result.stderr}" + _log_tail(log_file)
        )


def _free_port() -> int:
    """A TCP port nobody listens on. The server takes no TCP connections; the port only names
    its socket file, so a race with another process is harmless."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(socket_dir: Path, port: int, log_file: Path) -> None:
    """Poll until a connection succeeds, for at most START_TIMEOUT seconds."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with psycopg.connect(
                host=str(socket_dir),
                port=port,
                user=SUPERUSER,
                dbname="postgres",
                connect_timeout=2,
            ):
                return
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL did not accept connections within {START_TIMEOUT:.0f} s: {error}"
                    + _log_tail(log_file)
                ) from error
            time.sleep(0.05)


def _stop(bin_dir: Path, data_dir: Path, prefix: list[str], folder: Path) -> None:
    """``pg_ctl stop -m immediate``; if that fails, kill the postmaster we started."""
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return  # never started, or already gone
    command = [*prefix, str(bin_dir / "pg_ctl"), "stop", "--pgdata", str(data_dir)]
    command += ["--mode", "immediate", "--wait", "--silent"]
    try:
        subprocess.run(
            command, cwd=folder, capture_output=True, timeout=COMMAND_TIMEOUT, check=True
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass


def _log_tail(log_file: Path) -> str:
    try:
        lines = log_file.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
    except OSError:
        return "\n(no server log)"
    return f"\nlast lines of {log_file}:\n" + "\n".join(lines)
