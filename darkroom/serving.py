"""``darkroom serve``: granian and its worker processes, each with its own app and runtime.

granian was chosen by measurement (bench/servers.py; docs/benchmarks.md, "HTTP server"). The
command migrates, puts its flags in the environment (``export``) and execs ``python -m
darkroom.serving`` (``exec_supervisor``), which becomes granian's supervisor: it keeps
``workers`` processes (darkroom/worker.py) serving the port. On Linux each worker listens on its
own socket bound with SO_REUSEPORT, and the kernel spreads connections over them.

- SIGTERM or SIGINT: every worker stops accepting, finishes the requests in flight and exits; one
  still busy after ``graceful_timeout`` seconds is killed. The command then exits (0 when
  every worker stopped by itself).
- SIGHUP: the workers are replaced one at a time: a new one starts, both serve for
  ``RESTART_OVERLAP_S``, then the old one stops as above. The port never stops listening (with
  two workers or more, even if a new one is slow to start). Connections already queued on the
  socket of the worker that stops are reset, unless ``net.ipv4.tcp_migrate_req=1`` (Linux 5.14+)
  hands them to the other sockets. The settings stay those of the start; the code is reloaded.
- A worker that dies is replaced.

Workers are fresh interpreters (``spawn``), not forks: nothing the command imported or opened
leaks into them, and ``PROMETHEUS_MULTIPROC_DIR`` is set before any of them imports
prometheus_client. They learn their settings from the environment alone, as any deployment
configures darkroom: ``export`` puts the command's flags there first.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

from darkroom import logs
from darkroom.config import Settings

WORKER_APP = "darkroom.worker:worker_app"
ENV_PREFIX = "DARKROOM_"
MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's; see core/metrics.py
# Set by ``run`` for its workers only: the process they must not outlive (darkroom/worker.py).
SUPERVISOR_ENV = "DARKROOM_SERVE_SUPERVISOR_PID"
# SIGHUP: how long a new worker and the old one it replaces both serve. granian cannot tell when
# the new one is ready; it needs about 2 s to import and start here (5 s on a busy 2-core
# machine), and binds its socket only then.
RESTART_OVERLAP_S = 10.0


def export(values: Mapping[str, object]) -> None:
    """Put settings given on the command line into the environment the workers inherit.

    ``values`` are Settings field names and values; relative paths are made absolute so a
    worker reads them the same way whatever its working folder.
    """
    for name, value in values.items():
        text = str(value.resolve()) if isinstance(value, Path) else str(value)
        os.environ[f"{ENV_PREFIX}{name.upper()}"] = text


def share_metrics(settings: Settings) -> Path | None:
    """The folder through which /metrics sums the workers, emptied and set in the environment:
    ``PROMETHEUS_MULTIPROC_DIR`` if the operator set it, else ``<data_dir>/run/metrics`` with
    several workers. One worker without it keeps its metrics in memory (and its process_*
    series)."""
    given = os.environ.get(MULTIPROC_DIR_ENV)
    if not given and settings.workers == 1:
        return None
    folder = Path(given or settings.data_dir / "run" / "metrics").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):  # the files prometheus_client writes, one per process
        stale.unlink()
    os.environ[MULTIPROC_DIR_ENV] = str(folder)
    return folder


def run(settings: Settings) -> None:
    """Serve ``settings.workers`` workers on ``settings.host``:``settings.port`` until stopped."""
    from granian import Granian
    from granian.constants import Interfaces, Loops

    share_metrics(settings)
    os.environ[SUPERVISOR_ENV] = str(os.getpid())
    # granian forks on Linux unless told otherwise; spawn: each worker a fresh interpreter.
    multiprocessing.set_start_method("spawn", force=True)
    server = Granian(
        WORKER_APP,
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        loop=Loops.uvloop,
        workers=settings.workers,
        workers_kill_timeout=settings.graceful_timeout,
        respawn_failed_workers=True,
        respawn_interval=RESTART_OVERLAP_S,
        log_access=False,  # darkroom's own request lines and metrics say more
        log_dictconfig=logs.server_log_config(settings.log_format),
    )
    server.serve()


def exec_supervisor() -> NoReturn:
    """Become a fresh ``python -m darkroom.serving``, which serves with the settings in the
    environment. The same process (pid, signals, exit code) with none of the modules the command
    loaded: the supervisor stays small (about 40 MB instead of 100)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", __name__])


def main() -> None:
    run(Settings())


if __name__ == "__main__":
    main()
