"""Fixtures shared by the storage tests: every backend, built fresh per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from darkroom.storage import BlobStore
from tests.unit.storage._backends import BACKENDS


@pytest.fixture(params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return BACKENDS[request.param](tmp_path)
