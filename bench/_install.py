"""Installs what the delivery benchmark compares against, only when it is missing.

Debian packages (``wrk``, ``nginx-light`` or else ``nginx``) come from apt-get with a
``policy-rc.d`` that exits 101 for the length of the install, so no package script starts a
system nginx on port 80. thumbor goes into its own virtual environment under ``bench/.work/``,
never into darkroom's, so its pins (Pillow, tornado, ...) cannot change what darkroom runs on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
DENY_ALL = "#!/bin/sh\n# written by darkroom bench/_install.py: no service starts\nexit 101\n"
THUMBOR_REQUIREMENT = "thumbor==7.8.0"


class MissingReference(RuntimeError):
    """A reference program is not installed and could not be installed."""


def debian_binary(name: str, packages: Sequence[str]) -> str:
    """The path of the program ``name``, installing the first of ``packages`` that works."""
    found = shutil.which(name) or _sbin(name)
    if found:
        return found
    _apt_update_once()
    for package in packages:
        if _apt_install(package):
            found = shutil.which(name) or _sbin(name)
            if found:
                return found
    raise MissingReference(f"{name}: none of {', '.join(packages)} installed it")


def thumbor(venv: Path) -> Path:
    """The ``thumbor`` command of a venv of its own at ``venv`` (made when missing)."""
    command = venv / "bin" / "thumbor"
    if command.exists():
        return command
    print(f"installing {THUMBOR_REQUIREMENT} into {venv} (once)", flush=True)
    if venv.is_symlink():  # a link to a venv gone since
        venv.unlink()
    elif venv.exists():  # a half-made one
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", THUMBOR_REQUIREMENT],
        check=True,
    )
    if not command.exists():
        raise MissingReference(f"pip installed {THUMBOR_REQUIREMENT} but not {command}")
    return command


def _sbin(name: str) -> str | None:
    for folder in ("/usr/sbin", "/sbin"):
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    return None


_updated = False


def _apt_update_once() -> None:
    global _updated
    if not _updated:
        print("apt-get update (once)", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=_apt_env())
        _updated = True


def _apt_install(package: str) -> bool:
    print(f"apt-get install {package} (no service is started)", flush=True)
    ours = not POLICY_RC_D.exists()  # an existing policy (e.g. a container's) stays as it is
    if ours:
        POLICY_RC_D.write_text(DENY_ALL)
        POLICY_RC_D.chmod(0o755)
    try:
        done = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
            env=_apt_env(),
            check=False,
        )
    finally:
        if ours:
            POLICY_RC_D.unlink(missing_ok=True)
    return done.returncode == 0


def _apt_env() -> dict[str, str]:
    return {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
