"""Fixtures shared by the storage tests: every backend, built fresh per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from darkroom.storage import BlobStore
from tests.storage._backends import BACKENDS
from tests.storage._s3 import EMULATOR, Emulator


@pytest.fixture(scope="session", autouse=True)
def s3_emulator(request: pytest.FixtureRequest) -> Emulator:
    """The session's S3 emulator, started on first use and stopped when pytest finishes."""
    request.config.add_cleanup(EMULATOR.stop)
    return EMULATOR


@pytest.fixture(params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return BACKENDS[request.param](tmp_path)
