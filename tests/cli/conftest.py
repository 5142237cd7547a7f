"""What every command-line test starts from: no DARKROOM_* from the caller's shell, a scratch
working folder for ./data, a data folder of its own, and the core opened on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from darkroom.config import Settings
from darkroom.core.runtime import Runtime, open_runtime
from tests.cli.runner import run


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("DARKROOM_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def core(data_dir: Path) -> Iterator[Runtime]:
    """The core, opened on the data folder after the CLI has migrated it."""
    assert run(data_dir, "migrate").exit_code == 0
    rt = open_runtime(Settings(data_dir=data_dir))
    try:
        yield rt
    finally:
        rt.close()
