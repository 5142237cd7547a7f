"""What each worker process of ``darkroom serve`` (darkroom/serving.py) runs: its own app."""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import sys

from fastapi import FastAPI

from darkroom.app import create_app
from darkroom.config import Settings
from darkroom.serving import SUPERVISOR_ENV

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def worker_app() -> FastAPI:
    """A fresh app (and, in its lifespan, a fresh runtime) for one worker process.

    Settings come from the environment only (``serving.export`` put the command's flags there).
    Under ``darkroom serve`` the worker is also tied to its supervisor: if that is killed
    outright, the worker is killed too, rather than serving on alone.
    """
    supervisor = os.environ.get(SUPERVISOR_ENV)
    if supervisor is not None:
        _die_with(int(supervisor))
    app = create_app(Settings())
    # What was built to start (modules, the app) lives as long as the worker: out of the
    # collector's sight, a full collection while serving walks only what requests made.
    gc.freeze()
    return app


def _die_with(supervisor: int) -> None:
    """SIGKILL this process when ``supervisor``, its parent, ends (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != supervisor:  # it was gone before prctl took effect
        os.kill(os.getpid(), signal.SIGKILL)
